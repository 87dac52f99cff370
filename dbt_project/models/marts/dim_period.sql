-- The reporting months: every month from the earliest to the latest with an accepted file.
with

periods as (

    select * from {{ ref('int_periods') }}

),

final as (

    select
        period,
        year,
        month,
        period_start,
        period_end,
        prev_month,
        prev_year,
        deadline_at
    from periods

)

select * from final
