-- The eleven reporting units of every bulletin: the city first (sort_order 0), then the counties.
with

counties as (

    select * from {{ ref('ref_counties') }}

),

city as (

    select
        '{{ city_code() }}' as county_code,
        '{{ city_name() }}' as county_name,
        '{{ city_kind() }}' as county_kind,
        0 as sort_order

),

units as (

    select * from city
    union all by name
    select * from counties

),

final as (

    select
        county_code,
        county_name,
        county_kind,
        cast(sort_order as integer) as sort_order,
        county_code = '{{ city_code() }}' as is_city
    from units

)

select * from final
