-- One row per county, form and period that received any file: the current accepted file (if
-- any), whether the first one arrived by the deadline (at or before deadline_at, indicators.md
-- v1.1), and how many files were rejected.
with

submissions as (

    select * from {{ ref('stg_submissions') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

attributable as (

    select *
    from submissions
    where form is not null and period is not null

),

summarised as (

    select
        county_code,
        form,
        period,
        any_value(submission_id) filter (where is_current) as submission_id,
        any_value(file_name) filter (where is_current) as file_name,
        min(received_at) filter (where status = 'accepted') as first_accepted_at,
        max(received_at) filter (where status = 'accepted') as last_accepted_at,
        cast(count(*) filter (where status = 'rejected') as integer) as rejected_files
    from attributable
    group by county_code, form, period

),

final as (

    select
        summarised.period,
        summarised.county_code,
        summarised.form,
        periods.period_start,
        periods.period_end,
        periods.deadline_at,
        summarised.submission_id,
        summarised.file_name,
        summarised.first_accepted_at,
        summarised.last_accepted_at,
        summarised.rejected_files,
        summarised.first_accepted_at <= periods.deadline_at as is_on_time
    from summarised
    inner join periods on summarised.period = periods.period

)

select * from final
