-- Towns and streets (镇/街道) of the reference list, with the county they belong to.
with

towns as (

    select * from {{ ref('ref_towns') }}

),

final as (

    select
        town_code,
        town_name,
        county_code,
        town_kind
    from towns

)

select * from final
