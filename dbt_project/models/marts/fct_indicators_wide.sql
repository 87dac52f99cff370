-- The indicators of indicators.md as one row per period and unit (city first), one column per
-- indicator key: the shape the bulletin tables read.
with

unit_indicators as (

    select * from {{ ref('int_unit_indicators') }}

),

units as (

    select * from {{ ref('dim_county') }}

),

final as (

    select
        unit_indicators.period,
        unit_indicators.county_code,
        units.county_name,
        units.sort_order,
        unit_indicators.* exclude (period, county_code)  -- noqa: RF02
    from unit_indicators
    inner join units on unit_indicators.county_code = units.county_code

)

select * from final
