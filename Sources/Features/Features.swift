// Features: the query logic of OGC API - Features and the analysis API (filters, CQL2,
// paging, CRS) over the store. Knows nothing of HTTP.
