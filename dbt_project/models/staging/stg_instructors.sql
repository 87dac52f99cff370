with

source as (

    select * from {{ source('raw', 'instructors') }}

),

final as (

    select
        county_code,
        period,
        submission_id,
        source_row,
        instructor_id,
        town_code,
        employment,
        source,
        assigned_on,
        orgs_covered,
        project_code
    from source

)

select * from final
