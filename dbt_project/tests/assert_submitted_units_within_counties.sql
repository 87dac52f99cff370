-- A county counts itself at most once per form, the city at most once per county. The bounds
-- come from the reference list, so the test holds for ten counties as for a province.
with

facts as (

    select * from {{ ref('fct_indicators') }}

),

units as (

    select * from {{ ref('dim_county') }}

),

county_count as (

    select count(*) filter (where not units.is_city) as counties
    from units

),

bounded as (

    select
        facts.period,
        facts.county_code,
        facts.indicator,
        facts.submitted_units,
        case when units.is_city then county_count.counties else 1 end as max_units
    from facts
    inner join units on facts.county_code = units.county_code
    cross join county_count

),

final as (

    select * from bounded
    where submitted_units > max_units

)

select * from final
