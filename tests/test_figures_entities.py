"""Entities of figures on sentences written for these tests: each rule of
pipeline.figures.entities and of the extractor's fallbacks, one at a time."""

from __future__ import annotations

from pipeline.figures.extract import extract
from pipeline.figures.models import Figure
from pipeline.models import Article, Paragraph, Section


def article(*paragraphs: tuple[str, str], heading: str = "") -> Article:
    """An article of one section: (kind, text) paragraphs, lists one item a line."""
    return Article(
        title="t",
        source="t",
        content_hash="",
        sections=[
            Section(
                heading=heading,
                paragraphs=[
                    Paragraph(
                        id=f"p{n}",
                        kind=kind,
                        text=text,  # type: ignore[arg-type]
                        rows=[[line] for line in text.split("\n")] if kind == "list" else [],
                    )
                    for n, (kind, text) in enumerate(paragraphs, start=1)
                ],
            )
        ],
    )


def said_of(text: str, *more: tuple[str, str]) -> dict[str, Figure]:
    return {f.text: f for f in extract(article(("text", text), *more))}


def test_a_measure_noun_is_looked_past_to_its_owner() -> None:
    figures = said_of("Project Tern, a $9 billion plan for new halls, opens next spring.")
    assert "Tern" in figures["$9 billion"].entity


def test_the_company_is_the_company_named_before() -> None:
    figures = said_of(
        "Cisco had a strong quarter. The company raised its forecast to $12 billion on Tuesday."
    )
    assert figures["$12 billion"].entity == "Cisco"


def test_coordinated_subjects_go_with_coordinated_figures_in_order() -> None:
    figures = said_of("Brazil and Chile accounted for 7 and 5% of the total.")
    assert figures["7"].entity == "Brazil"
    assert figures["5%"].entity == "Chile"


def test_a_share_is_about_where_it_goes() -> None:
    figures = said_of("About 60% goes to storage arrays.")
    assert "storage arrays" in figures["About 60%"].subject


def test_a_share_beside_a_figure_is_about_that_figure_s_subject() -> None:
    figures = said_of(
        "Hospitals used 90 terawatt-hours in 2023, about 2 percent of national demand."
    )
    assert figures["about 2 percent"].subject == "Hospitals"


def test_money_invested_in_a_named_company_is_about_that_company() -> None:
    figures = said_of("Samsung invested $2 billion in Rebellions last year.")
    assert figures["$2 billion"].entity == "Rebellions"


def test_money_committed_to_a_common_noun_stays_with_the_subject() -> None:
    figures = said_of("Oracle committed $6 billion to new cooling plants.")
    assert figures["$6 billion"].entity == "Oracle"


def test_a_parenthesised_noun_after_a_figure_labels_it_but_a_unit_does_not() -> None:
    figures = said_of("The shelf draws 400 W (switches) and 250 W (storage).")
    assert figures["400 W"].entity == "switches"
    assert figures["250 W"].entity == "storage"
    figures = said_of("Each home uses 1.3 kilowatts (kW) on average.")
    assert figures["1.3 kilowatts"].entity != "kW"


def test_a_lead_in_names_what_its_list_is_about() -> None:
    figures = said_of("Edge site (8 kW/rack):", ("list", "- 20 racks × 8 kW = 160 kW IT load"))
    assert figures["8 kW/rack"].entity == "Edge site"
    assert figures["160 kW"].entity == "Edge site"


def test_a_period_is_not_an_entity() -> None:
    figures = said_of("Dell shipped $3 billion of servers in Q3.")
    assert figures["$3 billion"].entity == "Dell"


def test_a_predicate_noun_s_figure_is_about_the_subject() -> None:
    figures = said_of("The Halden campus in Norway is a 300 MW site.")
    assert "Halden" in figures["300 MW"].entity


def test_a_count_that_is_the_subject_is_about_what_it_counts() -> None:
    figures = said_of("Most of all, 2,000 farms use about 9 million kilowatt-hours a year.")
    assert figures["2,000 farms"].entity == "farms"


def test_a_measure_noun_with_a_purpose_clause_is_looked_past_to_the_subject() -> None:
    figures = said_of("A large smelter consumes enough energy to power 40,000 homes.")
    assert "smelter" in figures["40,000 homes"].entity


def test_a_demonstrative_noun_is_an_entity_by_itself() -> None:
    figures = said_of("Ireland has many server halls. Those halls used 6 terawatt-hours last year.")
    assert figures["6 terawatt-hours"].entity == "halls"


def test_a_figure_after_up_from_shares_the_clause_subject() -> None:
    figures = said_of("Lighting now takes about a tenth of site power, up from 15 percent.")
    assert figures["15 percent"].entity == "Lighting"


def test_a_multiple_said_as_a_verb_is_about_the_clause_subject() -> None:
    figures = said_of("Power use by chip fabs could nearly triple by 2031.")
    assert "fabs" in figures["nearly triple"].entity


def test_a_list_label_that_is_a_quantity_names_nothing() -> None:
    figures = said_of(
        "Key numbers:",
        (
            "list",
            "- 40 GWh / year: Annual use of one 5 MW edge facility, equivalent to 4,000 homes",
        ),
    )
    assert figures["5 MW"].entity == "edge facility"
    assert figures["4,000 homes"].entity == "edge facility"


def test_a_measure_whose_owner_is_a_pronoun_takes_the_title_s_subject() -> None:
    text = "We expect our full-year outlay to be in the range of $5-6 billion, the CFO said."
    a = article(("text", text))
    figures = {
        f.text: f for f in extract(a.model_copy(update={"title": "Cisco raises its outlook"}))
    }
    assert figures["$5-6 billion"].entity == "Cisco"


def test_a_pronoun_takes_the_entity_named_before() -> None:
    figures = said_of("Equinix opened its Osaka hall in 2023. It draws 45 MW today.")
    assert figures["45 MW"].entity == "Equinix"


def test_it_in_reported_speech_is_the_reporter() -> None:
    figures = said_of("The utility said it has 12 GW under contract.")
    assert figures["12 GW"].entity == "utility"


def test_a_figure_said_for_a_name_is_about_that_name() -> None:
    figures = said_of("The quote came to 40 kW for the Nova X1 and 90 kW for the Nova X2.")
    assert figures["90 kW"].entity == "Nova X2"


def test_a_quantity_that_lies_in_a_stage_is_about_the_stage() -> None:
    figures = said_of("By March, only 3GW was in the permitting stage.")
    assert "permitting stage" in figures["3GW"].subject


def test_a_figure_before_a_colon_is_about_what_follows() -> None:
    figures = said_of("Typical values:", ("list", "- 1.3–1.5: Colocation halls"))
    assert "Colocation" in figures["1.3–1.5"].entity


def test_a_figure_inside_a_named_subject_s_predicate_is_about_the_subject() -> None:
    figures = said_of("Nvidia's NVL36 is the smaller option: 36 GPUs in one rack at about 60 kW.")
    assert figures["about 60 kW"].entity == "Nvidia NVL36"


def test_a_proper_noun_keeps_its_number() -> None:
    figures = said_of("Phase 2 is now live with 50,000 GPUs.")
    assert figures["50,000 GPUs"].entity == "Phase 2"


def titled(title: str, *texts: str) -> dict[str, Figure]:
    """The figures of an article with a title and one text paragraph per text."""
    paragraphs = [Paragraph(id=f"p{n}", kind="text", text=t) for n, t in enumerate(texts, 1)]
    section = Section(heading="", paragraphs=paragraphs)
    return {
        f.text: f
        for f in extract(Article(title=title, source="t", content_hash="", sections=[section]))
    }


def test_a_model_number_is_read_as_a_name() -> None:
    figures = said_of(
        "DGX B300 — the newer Blackwell Ultra system with eight B300 GPUs — is listed at 14.5 kW."
    )
    assert figures["14.5 kW"].entity == "DGX B300"
    assert figures["eight B300 GPUs"].entity == "DGX B300"


def test_a_record_is_a_measure_of_the_subject() -> None:
    figures = said_of("Microsoft has projected a record $30 billion in capital spending.")
    assert figures["$30 billion"].entity == "Microsoft"


def test_a_standard_of_comparison_is_not_the_subject_s_figure() -> None:
    figures = said_of(
        "Revenue rose 18% to $76.4 billion, exceeding the estimate of $73.81 billion."
    )
    assert figures["$73.81 billion"].entity == "estimate"
    own = said_of("Oracle beat its guidance of $5 billion.")
    assert own["$5 billion"].entity == "Oracle"


def test_we_in_a_quotation_is_who_is_quoted() -> None:
    figures = said_of('"We cut the overhead to 21%," Google says.')
    assert figures["21%"].entity == "Google"


def test_an_officer_s_we_is_the_company_the_text_is_about() -> None:
    figures = titled(
        "Meta raises its capex outlook", '"We expect $40 billion of capex," CFO Susan Li said.'
    )
    assert figures["$40 billion"].entity == "Meta"


def test_a_description_prefers_the_title_s_subject_to_a_name_of_another_paragraph() -> None:
    figures = titled(
        "Amazon hits record capex",
        "AWS now accounts for over 60 percent of operating income.",
        "The capex surge is part of a $125 billion projection.",
    )
    assert figures["$125 billion"].entity == "Amazon"


def test_it_is_the_entity_of_the_sentence_before() -> None:
    figures = said_of(
        "Energy use by data centers was 60 TWh in 2016. By 2018, it increased to 76 TWh."
    )
    assert figures["76 TWh"].entity == "data centers"


def test_the_clause_subject_wins_over_an_object_s_owner() -> None:
    figures = said_of("In 2022, cold-storage warehouses used 14% of the grid's supply.")
    assert figures["14%"].entity == "cold-storage warehouses"


def test_names_in_apposition_stand_for_the_subject() -> None:
    figures = said_of("Joint partners Vantix and Orbel Partners have raised $9 billion.")
    assert "Vantix" in figures["$9 billion"].entity
    assert "Orbel" in figures["$9 billion"].entity


def test_a_counted_subject_keeps_its_count_over_names_in_apposition() -> None:
    figures = said_of("Three operators, Vantix, Orbel and Kestra, committed $40 billion.")
    assert figures["$40 billion"].entity == "operators"


def test_a_subject_after_according_to_is_the_subject() -> None:
    figures = said_of(
        "According to The Daily Ledger, Halcyon Power, which runs the plant, "
        "has secured $3.2 billion in new capital."
    )
    assert figures["$3.2 billion"].entity == "Halcyon Power"


def test_a_noun_before_an_infinitive_is_not_the_subject() -> None:
    figures = said_of(
        "Kestra Cloud received permission to build two halls with a combined load of 40 MW."
    )
    assert figures["40 MW"].entity == "Kestra Cloud"


def test_a_gapped_clause_has_its_own_subject() -> None:
    figures = said_of("Large farms accounted for 30% and small farms for 6%.")
    assert figures["30%"].entity == "Large farms"
    assert figures["6%"].entity == "small farms"


def test_a_figure_in_an_apposition_is_about_what_it_describes() -> None:
    figures = said_of(
        "Norvale Grid, the utility for 4 million homes in the valley, raised its rates."
    )
    assert figures["4 million homes"].entity == "Norvale Grid"


def test_a_sign_before_a_figure_does_not_hide_its_verb() -> None:
    figures = said_of("The plan is simple, with Harlow Energy projecting >$3B in savings.")
    assert figures[">$3B"].entity == "Harlow Energy"


def test_a_verb_misread_as_a_noun_after_a_figure_is_no_entity() -> None:
    figures = said_of(
        "The regional storage price of $2.4 billion averages to $51.20 per kilowatt for each month."
    )
    assert "storage price" in figures["$2.4 billion"].subject


def test_a_capitalised_modifier_belongs_to_the_name() -> None:
    figures = said_of("The deal will see Red Heron own 60% of the campus.")
    assert figures["60%"].entity == "Red Heron"


def test_a_stake_is_its_taker_s() -> None:
    figures = said_of("Orbis bought the site, with Vantor taking the remaining 35% stake.")
    assert figures["35%"].entity == "Vantor"


def test_a_measure_that_refers_back_is_the_company_s_not_the_last_loss() -> None:
    figures = said_of(
        "Chip lessor Kestrel Systems reported $80 million in sales on Monday.",
        ("text", "Profit: Net loss of $31 million, compared to a loss of $12 million."),
        (
            "text",
            "The full-year revenue is expected to be in the range of $400 million to $450 million.",
        ),
    )
    assert figures["$400 million to $450 million"].entity == "Kestrel Systems"


def test_dc_is_a_common_noun_so_the_capacity_it_modifies_stays_in_the_entity() -> None:
    figures = said_of("In 2024, the country's DC capacity reached approximately 1,100 MW.")
    assert "dc capacity" in figures["approximately 1,100 MW"].entity.lower()


def test_a_lead_in_that_names_a_part_of_the_text_is_no_entity() -> None:
    figures = {
        f.text: f
        for f in extract(
            article(
                ("text", "Key Takeaways:"),
                (
                    "list",
                    "Brazil's data center capacity will grow from 400 MW to 1 GW by 2030, a 150% "
                    "increase",
                ),
            )
        )
    }
    assert "takeaway" not in figures["150%"].entity.lower()


def test_a_table_rows_header_is_not_the_guess_for_prose_after_the_table() -> None:
    from pipeline.ingest.markup import parse_markdown

    text = (
        "# Spending\n\nThe three largest cloud operators will spend $200 billion on new "
        "halls this year.\n\n| Company | Capex |\n|---|---|\n| Contoso | $70B |\n"
        "| Fabrikam | $60B |\n\nThat works out to nearly $67 billion each, up 30% on the "
        "year before.\n"
    )
    figures = {f.text: f for f in extract(parse_markdown(text, "spending.md"))}
    each = figures["nearly $67 billion"]
    assert each.entity == "" and "Fabrikam" not in each.subject


def test_a_portion_noun_refers_back_to_the_name_before_it() -> None:
    figures = said_of(
        "The new halls already force Duke to buy costly power to meet their demand "
        "on top of the rest of its 1.9 million customers."
    )
    assert figures["1.9 million customers"].entity == "Duke"


def test_a_parenthesised_apposition_adds_no_member_and_its_counts_are_the_whole_s() -> None:
    figures = said_of("A DGX H100 (8× H100 SXM5 at 700W each) draws ~10.2 kW in all.")
    assert figures["8×"].entity == "DGX H100"
    assert figures["~10.2 kW"].entity == "DGX H100"


def test_a_model_number_after_h_is_a_name_not_a_half_year() -> None:
    figures = said_of("The H100 draws 700 W.")
    assert figures["700 W"].entity == "H100"


def test_a_figure_modifying_an_adjective_is_about_the_adjective_s_noun() -> None:
    figures = said_of("Contoso signed an agreement in a deal worth $27 billion to fund the campus.")
    assert figures["$27 billion"].entity == "deal"


def test_a_multiple_of_an_object_is_the_subject_s() -> None:
    figures = said_of(
        "Local utility Ameren said the new data center could consume about twice "
        "as much electricity as the city of Springfield on a peak day."
    )
    assert figures["about twice"].entity == "data center"


def test_a_word_that_qualifies_a_figure_is_no_entity() -> None:
    figures = said_of("The Sines campus is expected to generate €1.4 billion p.a. in revenue.")
    assert "Sines" in figures["€1.4 billion"].entity
    box = said_of(
        "In an eight-GPU DGX B200 box, NVIDIA's guidance lists system power at 14.3 kW max."
    )
    assert "max" not in box["14.3 kW"].entity


def test_a_product_named_by_a_model_number_beats_its_one_word_maker() -> None:
    figures = said_of(
        "In an eight-GPU DGX B200 box, NVIDIA's guidance lists system power at 14.3 kW max."
    )
    assert figures["14.3 kW"].entity == "DGX B200"


def test_a_rate_after_at_is_about_the_noun_right_before_it() -> None:
    figures = said_of(
        "A 12-month delay on a 100 MW project at $80M/MW is not a small inconvenience."
    )
    assert figures["$80M/MW"].entity == "project"


def test_a_vague_measure_with_nothing_before_it_takes_the_section_heading() -> None:
    figures = {
        f.text: f
        for f in extract(
            article(("list", "Enables 50–80 kW/rack densities"), heading="Direct Liquid Cooling")
        )
    }
    assert figures["50–80 kW/rack"].entity == "Direct Liquid Cooling"


def test_a_figure_said_alone_is_about_the_name_of_the_sentence_pointing_back_at_it() -> None:
    figures = said_of("$28.92. That is what Contoso Power's auction cleared at last year.")
    assert figures["$28.92"].entity == "Contoso Power"
    unrelated = said_of("600kW. For context, the average rack draws 8kW, according to Fabrikam.")
    assert unrelated["600kW"].entity != "Fabrikam"


def test_a_count_per_thing_whose_sentence_names_nothing_is_the_thing_s() -> None:
    figures = said_of("Each blade holds eight chips. That's 176 GPUs per pod.")
    assert figures["176 GPUs per pod"].subject == "pod"


def test_a_bare_count_in_a_place_is_the_place_s() -> None:
    figures = said_of("The country has over 4,300 data centers, including nine in Vermont.")
    assert figures["nine"].entity == "Vermont"


def test_a_unit_keeps_the_participle_that_says_which() -> None:
    figures = said_of("The total number of megawatts energized is up less than 10% this year.")
    assert "energized" in figures["less than 10%"].entity


def test_a_figure_opening_a_verbless_fragment_is_about_its_clause_s_subject() -> None:
    figures = said_of(
        "A $4.2 billion, 495MW data centre campus to be built south of the "
        "Spanish capital Madrid, a growing market."
    )
    assert "campus" in figures["$4.2 billion"].entity


def test_of_two_subjects_the_nearest_wins_and_a_full_stop_ends_the_name() -> None:
    from spacy.tokens import Doc

    from pipeline.figures import entities, parsing

    # the small model's parse of a sentence it ran on past "Contoso Q.", written out
    words = [
        "The",
        "network",
        "behind",
        "Contoso",
        "Q.",
        "AWS",
        "remains",
        "the",
        "leader",
        ",",
        "generating",
        "$",
        "108B",
        ".",
    ]
    tags = ["DT", "NN", "IN", "NNP", "NNP", "NNP", "VBZ", "DT", "NN", ",", "VBG", "$", "CD", "."]
    heads = [1, 6, 1, 5, 5, 6, 6, 8, 6, 6, 6, 12, 10, 6]
    deps = [
        "det",
        "nsubj",
        "prep",
        "compound",
        "compound",
        "nsubj",
        "ROOT",
        "det",
        "attr",
        "punct",
        "advcl",
        "nmod",
        "dobj",
        "punct",
    ]
    doc = Doc(parsing.nlp().vocab, words=words, tags=tags, heads=heads, deps=deps)
    entity = entities.entity_at(doc, doc[11].idx, doc[12].idx + len(doc[12]))
    assert entity is not None and entity.name == "AWS"


def test_one_of_several_things_is_those_things() -> None:
    figures = said_of(
        "Contoso said it is averaging a PUE of 1.21 across its data centers, and "
        "one of its facilities is operating with a PUE of 1.13, the lowest ever "
        "published."
    )
    assert figures["1.13"].entity == "facilities"


def test_a_noun_that_names_no_thing_is_no_recipient() -> None:
    figures = said_of("Contoso has spent $15 billion so far, with another $20 billion on the way.")
    assert figures["$20 billion"].entity == "Contoso"


def test_capitals_tagged_as_an_adjective_are_a_name() -> None:
    figures = said_of(
        "Contoso's AWS cloud business, a key driver of growth, saw revenue grow "
        "17.5% year-over-year to $30.9 billion."
    )
    assert figures["$30.9 billion"].entity == "Contoso AWS"


def test_a_measure_in_a_bare_infinitive_is_the_seer_s() -> None:
    figures = said_of("Fabrikam's cloud business saw revenue grow 12% to $9 billion.")
    assert figures["12%"].subject == "Fabrikam's cloud business"


def test_an_adverb_a_figure_modifies_is_a_noun() -> None:
    figures = said_of(
        "Example: 800 kW facility ÷ 600 kW IT = 1.33—33% overhead from cooling, "
        "UPS, and house loads."
    )
    assert figures["33%"].entity == "overhead"


def test_a_change_said_after_a_noun_phrase_is_that_phrase_s() -> None:
    figures = said_of(
        "The spending blitz powered Contoso to its strongest quarter since 2022, "
        "with revenue climbing 20 percent to $33 billion and capturing a larger "
        "slice of the $107 billion global cloud market, up 27 percent "
        "year-over-year."
    )
    assert figures["27 percent"].entity == "global cloud market"
    assert (
        "quarter" not in said_of("Revenue rose in the quarter, up 30 percent.")["30 percent"].entity
    )
