-- The reporting calendar that reportflow.transform writes before every build from
-- reportflow.periods.Period: each month's bounds, neighbours and submission deadline. No model
-- computes a deadline itself, so the marts and the status grid share one definition of it.
with

source as (

    select * from {{ source('raw', 'reporting_periods') }}

),

final as (

    select
        period,
        cast(year(period_start) as integer) as year,
        cast(month(period_start) as integer) as month,
        period_start,
        period_end,
        prev_month,
        prev_year,
        deadline_day,
        deadline_at
    from source

)

select * from final
