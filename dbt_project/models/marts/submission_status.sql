-- Who submitted what for each period: every county × form, accepted on time, late, rejected or
-- missing, so the bulletin and the reminders can name the gaps.
with

periods as (

    select * from {{ ref('int_periods') }}

),

counties as (

    select * from {{ ref('ref_counties') }}

),

forms as (

    select * from {{ ref('ref_forms') }}

),

form_submissions as (

    select * from {{ ref('int_form_submissions') }}

),

expected as (

    select
        periods.period,
        periods.deadline_at,
        counties.county_code,
        counties.county_name,
        counties.sort_order,
        forms.form,
        forms.form_label,
        forms.form_order
    from periods
    cross join counties
    cross join forms

),

final as (

    select
        expected.period,
        expected.county_code,
        expected.county_name,
        cast(expected.sort_order as integer) as sort_order,
        expected.form,
        expected.form_label,
        case
            when form_submissions.submission_id is not null and form_submissions.is_on_time
                then 'accepted'
            when form_submissions.submission_id is not null then 'late'
            when form_submissions.rejected_files > 0 then 'rejected'
            else 'missing'
        end as status,
        case
            when form_submissions.submission_id is not null then form_submissions.is_on_time
        end as on_time,
        form_submissions.first_accepted_at,
        form_submissions.last_accepted_at,
        expected.deadline_at,
        form_submissions.file_name,
        cast(coalesce(form_submissions.rejected_files, 0) as integer) as rejected_files
    from expected
    left join form_submissions
        on
            expected.period = form_submissions.period
            and expected.county_code = form_submissions.county_code
            and expected.form = form_submissions.form

)

select * from final
