-- A witness's newest cosignature, read at each of its rounds (where its next proof starts).
CREATE INDEX log_cosignatures_by_witness ON log_cosignatures (witness, tree_size);
