with

source as (

    select * from {{ source('raw', 'early_warnings') }}

),

final as (

    select
        county_code,
        period,
        submission_id,
        source_row,
        issue_id,
        town_code,
        reported_on,
        category,
        resolved_on,
        summary
    from source

)

select * from final
