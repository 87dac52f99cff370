-- Every month from the earliest to the latest period with an accepted file, so a month in which
-- nobody reported still gets a row (all missing) instead of silently vanishing from the bulletin.
-- Bounds and deadlines come from the reporting calendar (reportflow.periods.Period).
with

submissions as (

    select * from {{ ref('stg_submissions') }}

),

calendar as (

    select * from {{ ref('stg_reporting_periods') }}

),

bounds as (

    select
        min(period) as first_period,
        max(period) as last_period
    from submissions
    where status = 'accepted'

),

final as (

    select
        calendar.period,
        calendar.year,
        calendar.month,
        calendar.period_start,
        calendar.period_end,
        calendar.prev_month,
        calendar.prev_year,
        calendar.deadline_day,
        calendar.deadline_at
    from calendar
    inner join bounds
        on calendar.period between bounds.first_period and bounds.last_period

)

select * from final
