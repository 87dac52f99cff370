with

source as (

    select * from {{ source('raw', 'disputes') }}

),

final as (

    select
        county_code,
        period,
        submission_id,
        source_row,
        case_id,
        town_code,
        received_on,
        category,
        mediator,
        status,
        closed_on
    from source

)

select * from final
