with

source as (

    select * from {{ source('raw', 'weak_orgs') }}

),

final as (

    select
        county_code,
        period,
        submission_id,
        source_row,
        org_code,
        org_name,
        town_code,
        listed_on,
        status,
        rectified_on,
        mentor_id
    from source

)

select * from final
