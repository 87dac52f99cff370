-- The city's counts and amounts are the sums over the counties that reported them (missing
-- counties add nothing; the city is missing only when every county is): indicators.md.
with

facts as (

    select * from {{ ref('fct_indicators') }}

),

units as (

    select * from {{ ref('dim_county') }}

),

county_sums as (

    select
        facts.period,
        facts.indicator,
        sum(facts.value) as county_total
    from facts
    inner join units on facts.county_code = units.county_code
    where not units.is_city and facts.indicator_kind in ('count', 'amount')
    group by facts.period, facts.indicator

),

city_values as (

    select
        facts.period,
        facts.indicator,
        facts.value as city_value
    from facts
    inner join units on facts.county_code = units.county_code
    where units.is_city and facts.indicator_kind in ('count', 'amount')

),

final as (

    select
        city_values.period,
        city_values.indicator,
        city_values.city_value,
        county_sums.county_total
    from city_values
    inner join county_sums
        on
            city_values.period = county_sums.period
            and city_values.indicator = county_sums.indicator
    where
        abs(city_values.city_value - county_sums.county_total) > 0.001
        or (city_values.city_value is null) != (county_sums.county_total is null)

)

select * from final
