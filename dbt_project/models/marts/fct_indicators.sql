-- The indicators as one row per period × unit × indicator key, with last month's and last year's
-- value and how complete each figure is: the shape of the export and of the bulletin notes.
with

unit_indicators as (

    select * from {{ ref('int_unit_indicators') }}

),

form_submissions as (

    select * from {{ ref('int_form_submissions') }}

),

indicators as (

    select * from {{ ref('ref_indicators') }}

),

units as (

    select * from {{ ref('dim_county') }}

),

periods as (

    select * from {{ ref('dim_period') }}

),

indicator_values as (

    select
        period,
        county_code,
        indicator,
        value
    from unit_indicators
    unpivot include nulls (
        value for indicator in (columns(* exclude (period, county_code)))
    )

),

county_form_units as (

    select
        period,
        county_code,
        form,
        1 as submitted_units
    from form_submissions
    where submission_id is not null

),

county_any_form_units as (

    -- forms_* indicators (no form) count a county that submitted any form
    select distinct
        period,
        county_code,
        cast(null as varchar) as form,
        1 as submitted_units
    from county_form_units

),

county_units as (

    select * from county_form_units
    union all
    select * from county_any_form_units

),

city_form_units as (

    select
        period,
        '{{ city_code() }}' as county_code,
        form,
        count(*) as submitted_units
    from county_units
    group by period, form

),

unit_form_units as (

    select * from county_units
    union all by name
    select * from city_form_units

),

county_count as (

    select count(*) filter (where not is_city) as counties
    from units

),

final as (

    select
        indicator_values.period,
        indicator_values.county_code,
        units.county_name,
        units.sort_order,
        indicator_values.indicator,
        indicators.indicator_label,
        indicators.indicator_kind,
        indicators.indicator_order,
        indicators.form,
        cast(indicator_values.value as double) as value,
        cast(prev_month.value as double) as value_prev_month,
        cast(prev_year.value as double) as value_prev_year,
        indicator_values.value - prev_month.value as mom_change,
        (indicator_values.value - prev_year.value) / nullif(prev_year.value, 0) as yoy_change,
        cast(coalesce(unit_form_units.submitted_units, 0) as integer) as submitted_units,
        case
            when indicators.form is null then true
            when units.is_city
                then coalesce(unit_form_units.submitted_units, 0) = county_count.counties
            else coalesce(unit_form_units.submitted_units, 0) = 1
        end as is_complete
    from indicator_values
    inner join units on indicator_values.county_code = units.county_code
    inner join indicators on indicator_values.indicator = indicators.indicator
    inner join periods on indicator_values.period = periods.period
    cross join county_count
    left join indicator_values as prev_month
        on
            periods.prev_month = prev_month.period
            and indicator_values.county_code = prev_month.county_code
            and indicator_values.indicator = prev_month.indicator
    left join indicator_values as prev_year
        on
            periods.prev_year = prev_year.period
            and indicator_values.county_code = prev_year.county_code
            and indicator_values.indicator = prev_year.indicator
    left join unit_form_units
        on
            indicator_values.period = unit_form_units.period
            and indicator_values.county_code = unit_form_units.county_code
            and indicators.form is not distinct from unit_form_units.form

)

select * from final
