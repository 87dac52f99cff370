with

source as (

    select * from {{ source('raw', 'project_orgs') }}

),

final as (

    select
        county_code,
        period,
        submission_id,
        source_row,
        project_code,
        project_name,
        town_code,
        project_status,
        temp_org_on,
        party_members,
        commando_teams,
        responsibility_zones,
        investment_to_date
    from source

)

select * from final
