-- A unit submits at most each form once and on time at most what it submitted: a county at most
-- the seven forms, the city at most seven per county of the reference list.
with

wide as (

    select * from {{ ref('fct_indicators_wide') }}

),

units as (

    select * from {{ ref('dim_county') }}

),

forms as (

    select * from {{ ref('ref_forms') }}

),

bounds as (

    select
        (select count(*) from forms) as forms_per_county,
        count(*) filter (where not units.is_city) as counties
    from units

),

bounded as (

    select
        wide.period,
        wide.county_code,
        wide.forms_submitted,
        wide.forms_on_time,
        bounds.forms_per_county
        * case when units.is_city then bounds.counties else 1 end as max_forms
    from wide
    inner join units on wide.county_code = units.county_code
    cross join bounds

),

final as (

    select * from bounded
    where forms_submitted > max_forms or forms_on_time > forms_submitted

)

select * from final
