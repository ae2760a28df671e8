-- Service names may mix case (the seed's lmStudio, comfyUI) but stay unique ignoring case: two
-- names that differ only in case would share a run directory on a case-insensitive file system and
-- be told apart by nobody. Until now names were lower case, so no stored pair conflicts.
CREATE UNIQUE INDEX services_name_ignoring_case ON services (lower(name));
