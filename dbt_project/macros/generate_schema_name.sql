{#
    Use the configured schema as is (staging, intermediate, marts) instead of dbt's default
    "<target schema>_<custom schema>", so readers outside dbt name tables like marts.fct_indicators.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
