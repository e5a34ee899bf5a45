"""Status lists: the Bitstring Status Lists that carry revocation and suspension."""
