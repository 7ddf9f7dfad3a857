"""The reply in the brand voice: the composer (`composer`; wording in
`assets/brand_voice.yml`), what a reply says decided without a model (`reply_rules`,
`reply_catalog` for catalog rows), answers read in customers' reviews (`reviews`), and
broad questions answered with the opening of the section they name (`broad`)."""
