-- Named statements, prepared once per connection (see sql/queries.awk).

-- name: health
SELECT 1
