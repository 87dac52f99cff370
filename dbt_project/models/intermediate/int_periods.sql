-- Every month from the earliest to the latest period with an accepted file, so a month in which
-- nobody reported still gets a row (all missing) instead of silently vanishing from the bulletin.
with

submissions as (

    select * from {{ ref('stg_submissions') }}

),

bounds as (

    select
        min(strptime(period, '%Y-%m')) as first_start,
        max(strptime(period, '%Y-%m')) as last_start
    from submissions
    where status = 'accepted'

),

months as (

    select unnest(generate_series(first_start, last_start, interval 1 month)) as month_start
    from bounds

),

final as (

    select
        strftime(month_start, '%Y-%m') as period,
        cast(year(month_start) as integer) as year,
        cast(month(month_start) as integer) as month,
        cast(month_start as date) as period_start,
        last_day(month_start) as period_end,
        strftime(month_start - interval 1 month, '%Y-%m') as prev_month,
        strftime(month_start - interval 12 month, '%Y-%m') as prev_year,
        -- 24:00 Asia/Shanghai (UTC+8, no daylight saving) on the deadline day of the next month,
        -- as naive UTC like received_at.
        month_start
        + interval 1 month
        + to_days(cast({{ var('deadline_day') }} as integer))
        - interval 8 hour as deadline_at
    from months

)

select * from final
