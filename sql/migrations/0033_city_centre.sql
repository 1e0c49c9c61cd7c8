-- A point for every city: the district's middle for the lighthouse cities, the city centre for
-- the follower cities, which have no district boundary. The OGC API serves it as the city's
-- geometry until a boundary is known, so that no city is a feature without a place.
ALTER TABLE kc.city ADD COLUMN centre geometry(Point, 4326);
COMMENT ON COLUMN kc.city.centre IS 'A point for the city (config/cities.yaml), WGS 84';
