with

source as (

    select * from {{ source('raw', 'reserve_cadres') }}

),

final as (

    select
        county_code,
        period,
        submission_id,
        source_row,
        cadre_id,
        town_code,
        village,
        source,
        added_on
    from source

)

select * from final
