with

source as (

    select * from {{ source('raw', 'outreach') }}

),

final as (

    select
        county_code,
        period,
        submission_id,
        source_row,
        event_id,
        town_code,
        held_on,
        format,
        topic,
        audience,
        dialect
    from source

)

select * from final
