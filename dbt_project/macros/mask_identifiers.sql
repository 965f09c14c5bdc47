{#-
    Free text with direct identifiers masked, for the pseudonymous tier (UU 27/2022 PDP: analysts need no names).
    Respondents write phone numbers, e-mail addresses, NIK/NIP and staff names into suggestions; each is replaced by
    a bracketed label, longest pattern first (an 18-digit NIP would otherwise be half a phone number). Digits may be
    grouped by a space, dot or dash, as people write them. A name is caught after an Indonesian honorific (Ibu Siti,
    Pak Budi Santoso); the publish step and the marts gate scan for anything left.
-#}
{% macro mask_identifiers(column) -%}
    {%- set patterns = [
        ('[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+', '[email]'),
        ('\\b\\d([ .-]?\\d){14,17}\\b', '[nomor identitas]'),
        ('(\\+62|\\b62|\\b0)[ .-]?8([ .-]?\\d){7,11}\\b', '[telepon]'),
        ('\\+?\\b\\d([ .()-]?\\d){8,}\\b', '[nomor]'),
        ('\\b((?i:bapak|pak|ibu|bu|sdr|sdri|saudara|saudari|mas|mbak|kak|bang))\\.? +[A-Z][a-z]+( +[A-Z][a-z]+)*',
         '\\1 [nama]'),
    ] -%}
    {#- A namespace: a plain variable set inside the loop would not outlive the iteration (Jinja scoping). -#}
    {%- set text = namespace(sql=column) -%}
    {%- for pattern, label in patterns -%}
        {%- set text.sql = "regexp_replace(" ~ text.sql ~ ", '" ~ pattern ~ "', '" ~ label ~ "', 'g')" -%}
    {%- endfor -%}
    {{ text.sql }}
{%- endmacro %}
