select
    region,
    name,
    province,
    timezone
from {{ source('simpeg', 'regions') }}
