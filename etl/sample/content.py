"""The sample's implementation projects and Common Reporting answers, after D2.1.1.

Projects and topics come from the deliverable (``../shared/seed/smarter-together-d2.1.1.txt``,
chapter 3); statuses, percentages and wording per measurement point are invented for the demo
and marked synthetic in the titles.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SampleProject:
    code: str
    city: str
    thematic_field: str
    title: dict[str, str]
    shape: str  # block | point | line | points
    blocks: tuple[int, ...]
    statuses: tuple[str, str, str]  # at PM18, PM24, PM30
    progress: tuple[int, int, int]
    objectives: dict[str, str]
    partners: str
    drivers: tuple[str, str, str]
    barriers: tuple[str, str, str]
    corrective_actions: tuple[str, str, str]
    risks: tuple[str, str, str]
    lessons: tuple[str, str, str]
    challenges: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    explicit_refs: bool = False
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


def _t(en: str, de: str | None = None, fr: str | None = None) -> dict[str, str]:
    return {k: v for k, v in (("en", f"{en} (synthetic sample)"), ("de", de), ("fr", fr)) if v}


CHARGING_BARRIER = "No profitable business model for public charging from energy sales alone."
BENEFIT = (
    "Public charging is treated as a public service: a benefit model rather than a business model."
)

PROJECTS: tuple[SampleProject, ...] = (
    SampleProject(
        "LYO-CE-ELECTRYC",
        "lyon",
        "citizen_engagement",
        _t("ElectrYc citizen club", fr="Club citoyen ElectrYc (exemple synthétique)"),
        "point",
        (3,),
        ("in_preparation", "in_operation", "in_operation"),
        (40, 70, 90),
        {
            "en": "Inform residents, employees and users how much electricity is produced and used locally, so they adapt their consumption.",
            "fr": "Informer habitants, salariés et usagers de la production et de la consommation locales d'électricité pour adapter leurs usages.",
        },
        "SPL Lyon Confluence, HESPUL, Enedis",
        (
            "Curiosity about local PV production.",
            "Club meetings with live production data.",
            "Residents recruit neighbours.",
        ),
        (
            "Low public interest in citizen labs.",
            "Participants are not diverse.",
            "Keeping volunteers engaged over time.",
        ),
        (
            "Events in the district instead of invitations.",
            "Partnerships with schools and associations.",
            "Rotating club hosts.",
        ),
        (
            "Club remains a niche of technology-minded residents.",
            "Data from the platform arrives late.",
            "Funding after the project ends.",
        ),
        (
            "Make technology accessible: show one's own consumption next to local production.",
            "Meet people where they are, not in meeting rooms.",
            "A club with a name and a face works better than a programme.",
        ),
        (
            ("public-interest-participation",),
            ("public-interest-participation", "stakeholder-involvement"),
            ("public-interest-participation", "scaling-solutions"),
        ),
    ),
    SampleProject(
        "LYO-DH-A3PV",
        "lyon",
        "district_heating_renewables",
        _t(
            "A3 positive-energy block: photovoltaics",
            fr="Îlot A3 à énergie positive : photovoltaïque (exemple synthétique)",
        ),
        "block",
        (1,),
        ("in_implementation", "in_implementation", "completed"),
        (35, 60, 100),
        {
            "en": "PV on the A3 block so that the block produces more energy than it uses, data to the Grand Lyon data platform."
        },
        "SPL Lyon Confluence, Toshiba, HESPUL",
        (
            "Positive-energy guideline makes PV obligatory.",
            "Site visit during the peer-to-peer workshop.",
            "PV production data on the platform.",
        ),
        ("Data collection of PV production.", "Interface to the data platform.", "None reported."),
        (
            "Metering specified early in the tender.",
            "Common data model with the platform team.",
            "Monitoring contract signed.",
        ),
        ("Delays in the construction site.", "Meter data quality.", "Self-consumption rules."),
        (
            "Plan data collection with the installation, not after it.",
            "A site visit convinces more than slides.",
            "Collective self-consumption needs a legal frame.",
        ),
        (
            ("data-availability-interoperability",),
            ("data-availability-interoperability", "business-models"),
            ("business-models",),
        ),
    ),
    SampleProject(
        "LYO-DH-SUBSTATION",
        "lyon",
        "district_heating_renewables",
        _t(
            "Confluence smart district-heating substation",
            fr="Sous-station intelligente du réseau de chaleur de Confluence (exemple synthétique)",
        ),
        "point",
        (2,),
        ("tendering", "in_implementation", "in_operation"),
        (20, 55, 85),
        {
            "en": "Smart substations on the Confluence district heating with IT infrastructure and data collection."
        },
        "Grand Lyon, district-heating operator",
        (
            "Renewal of the heating network.",
            "Substation installed and visited.",
            "Data flows to the platform.",
        ),
        (
            "Tender regulations and procurement.",
            "Convincing owners to connect.",
            "IT security of substations.",
        ),
        (
            "Functional tender with performance criteria.",
            "Arguments sheet for owners.",
            "Network segmentation.",
        ),
        ("Owners do not connect.", "Data interoperability.", "Operating cost of the IT layer."),
        (
            "Write tenders around functions, not products.",
            "Owners follow neighbours who connected.",
            "Budget IT operation from the start.",
        ),
        (
            ("tender-regulations-procurement",),
            ("activation-home-owners",),
            ("data-availability-interoperability",),
        ),
        explicit_refs=True,
    ),
    SampleProject(
        "LYO-EM-CHARGING",
        "lyon",
        "e_mobility",
        _t(
            "Public charging infrastructure in Confluence",
            fr="Bornes de recharge publiques à Confluence (exemple synthétique)",
        ),
        "points",
        (4, 6, 8),
        ("tendering", "in_implementation", "in_operation"),
        (15, 50, 80),
        {"en": "Public charging points and electric car sharing in the district."},
        "Grand Lyon, car-sharing operator",
        ("Electric car-sharing demand.", "Sites agreed with the city.", "Usage grows."),
        (CHARGING_BARRIER, CHARGING_BARRIER, "Utilisation uneven across sites."),
        ("Business model canvas workshop.", BENEFIT, "Move one station."),
        ("Operating deficit.", "Vandalism.", "Technology change of plugs."),
        (
            BENEFIT,
            "Public space negotiations take longer than installation.",
            "Monitor usage per site from day one.",
        ),
        (
            ("business-models", "tender-regulations-procurement"),
            ("business-models",),
            ("business-models",),
        ),
    ),
    SampleProject(
        "MUC-DP-LAMPPOSTS",
        "munich",
        "data_platform_smart_services",
        _t(
            "Smart lampposts in Neuaubing",
            de="Intelligente Lichtmasten in Neuaubing (synthetisches Beispiel)",
        ),
        "line",
        (0, 1, 2, 3),
        ("in_preparation", "tendering", "in_implementation"),
        (10, 30, 60),
        {
            "en": "Roll out smart lampposts with sensors (environment, traffic, Wi-Fi) whose data feeds the urban data platform.",
            "de": "Intelligente Lichtmasten mit Sensoren (Umwelt, Verkehr, WLAN) aufstellen, deren Daten in die urbane Datenplattform fließen.",
        },
        "City of Munich, Siemens, Stadtwerke",
        (
            "Concept for the demo region Neuaubing.",
            "Use cases agreed with departments.",
            "First masts installed.",
        ),
        (
            "Use cases and business models unclear.",
            "Tender for sensors and CE certification.",
            "Data privacy of sensors.",
        ),
        (
            "Benefit model instead of business model.",
            "Split tender in lots.",
            "Privacy review by the Data Gatekeeper.",
        ),
        (
            "Sensors outdated before roll-out.",
            "Residents object to cameras.",
            "Maintenance across departments.",
        ),
        (
            "Start from use cases, not sensors.",
            "Talk about benefits, not business.",
            "Bring privacy officers in early.",
        ),
        (
            ("business-models",),
            ("tender-regulations-procurement", "business-models"),
            ("data-privacy", "door-openers"),
        ),
        translations={"drivers": {"de": "Konzept für die Demoregion Neuaubing."}},
    ),
    SampleProject(
        "MUC-DP-GATEKEEPER",
        "munich",
        "data_platform_smart_services",
        _t("Data Gatekeeper", de="Data Gatekeeper (synthetisches Beispiel)"),
        "point",
        (5,),
        ("planned", "in_preparation", "in_implementation"),
        (5, 25, 50),
        {
            "en": "A workflow tool for decision-makers and staff that governs which data is collected and published.",
            "de": "Ein Workflow-Werkzeug, das regelt, welche Daten erhoben und veröffentlicht werden.",
        },
        "City of Munich",
        (
            "Cross-topic workshop names data privacy a shared challenge.",
            "Lighthouse cities want a common guideline.",
            "Pilot with the lamppost data.",
        ),
        (
            "Data from many domains with different owners.",
            "Legal assessment takes time.",
            "None reported.",
        ),
        ("Gatekeeper as common guideline.", "Template assessments.", "Training for data owners."),
        ("Seen as a brake by departments.", "Staff turnover.", "Scaling to the whole city."),
        (
            "Governance first, platform second.",
            "A named gatekeeper role helps.",
            "Reuse the workflow citywide.",
        ),
        (
            ("data-privacy",),
            ("data-privacy", "coordination-city-administration"),
            ("data-privacy", "scaling-solutions"),
        ),
    ),
    SampleProject(
        "MUC-HR-REFURB",
        "munich",
        "holistic_refurbishment",
        _t(
            "Refurbishment of residential buildings",
            de="Sanierung von Wohngebäuden (synthetisches Beispiel)",
        ),
        "block",
        (6, 7),
        ("in_preparation", "delayed", "in_implementation"),
        (15, 20, 45),
        {
            "en": "Holistic refurbishment of 1960s-1980s residential buildings with owners' associations."
        },
        "City of Munich, owners' associations",
        ("Subsidy programme.", "Feasibility studies per building.", "First owners' votes won."),
        ("No majority in owners' associations.", "Trust of owners.", "Construction costs."),
        ("Door openers among owners.", "Free energy advice.", "Phased works."),
        ("Votes fail.", "Subsidy deadlines.", "Contractor availability."),
        (
            "Focus on the right objects: key buildings.",
            "Trust is the most important resource.",
            "Subsidies push decisions.",
        ),
        (
            ("activation-home-owners",),
            ("activation-home-owners", "subsidies-refurbishment"),
            ("subsidies-refurbishment",),
        ),
    ),
    SampleProject(
        "MUC-EM-STATIONS",
        "munich",
        "e_mobility",
        _t(
            "Mobility stations with public charging",
            de="Mobilitätsstationen mit öffentlichen Ladesäulen (synthetisches Beispiel)",
        ),
        "points",
        (8, 9),
        ("tendering", "in_implementation", "in_operation"),
        (20, 55, 90),
        {
            "en": "Mobility stations combining public transport, car and bike sharing and public charging."
        },
        "City of Munich, Stadtwerke München",
        ("Station sites found.", "Operators selected.", "Stations open."),
        (CHARGING_BARRIER, "Permits for public space.", "Low use of some stations."),
        (BENEFIT, "Joint permit procedure.", "Information campaign."),
        ("Operating deficit.", "Delays of permits.", "Usage below plan."),
        (BENEFIT, "One contact person in the administration.", "Marketing is part of the station."),
        (("business-models",), ("coordination-city-administration",), ("business-models",)),
    ),
    SampleProject(
        "VIE-DP-PLATFORM",
        "vienna",
        "data_platform_smart_services",
        _t("Vienna data platform", de="Datenplattform Wien (synthetisches Beispiel)"),
        "block",
        (0, 1, 2, 3),
        ("planned", "in_preparation", "in_implementation"),
        (5, 30, 55),
        {
            "en": "A data platform integrating monitoring data (refurbished buildings, bike sharing, smart lampposts) and geo-referenced data (address register, energy providers).",
            "de": "Eine Datenplattform für Monitoringdaten und Geodaten (Adressregister, Energieversorger).",
        },
        "City of Vienna, Wiener Stadtwerke, Sycube",
        ("Draft concept presented in Lyon.", "Data sources agreed.", "First data sets online."),
        ("Data availability from energy providers.", "Data privacy.", "Business model."),
        ("Data agreements per provider.", "Privacy by design.", "Benefit model."),
        (
            "Providers do not share data.",
            "Platform not used after the project.",
            "Costs of operation.",
        ),
        (
            "Agree data access before building the platform.",
            "Privacy concepts take as long as the software.",
            "Benefit models convince politics.",
        ),
        (
            ("data-availability-interoperability",),
            ("data-availability-interoperability", "data-privacy"),
            ("business-models",),
        ),
    ),
    SampleProject(
        "VIE-DH-WASTEHEAT",
        "vienna",
        "district_heating_renewables",
        _t(
            "Waste heat from a data centre",
            de="Abwärme aus einem Rechenzentrum (synthetisches Beispiel)",
        ),
        "point",
        (4,),
        ("in_preparation", "in_implementation", "in_operation"),
        (20, 50, 85),
        {
            "en": "Feed waste heat from a data centre into the district heating, with solar thermal heat and dwellings on the return pipe.",
            "de": "Abwärme eines Rechenzentrums ins Fernwärmenetz einspeisen, mit Solarthermie und Anschluss am Rücklauf.",
        },
        "Wiener Stadtwerke, Kelag Wärme",
        (
            "New business models under experimentation.",
            "Heat contract with the data centre.",
            "Heat delivered.",
        ),
        ("Business model for waste heat.", "Temperature levels.", "None reported."),
        ("Heat pump raises the temperature.", "Return-pipe connection.", "Monitoring."),
        ("Data centre changes its cooling.", "Heat price.", "Dependence on one supplier."),
        (
            "Waste heat needs long contracts.",
            "Return-pipe connection opens new customers.",
            "Monitor from the start.",
        ),
        (
            ("business-models",),
            ("business-models", "deployment-innovative-solutions"),
            ("deployment-innovative-solutions",),
        ),
    ),
    SampleProject(
        "VIE-DH-PV",
        "vienna",
        "district_heating_renewables",
        _t("Three PV systems", de="Drei PV-Anlagen (synthetisches Beispiel)"),
        "block",
        (5,),
        ("planned", "tendering", "in_implementation"),
        (5, 25, 60),
        {
            "en": "Plan and install three PV systems in Simmering; business model and data collection still under discussion."
        },
        "City of Vienna, Wiener Stadtwerke",
        (
            "Roofs of refurbished buildings available.",
            "Citizen investment model.",
            "Installation started.",
        ),
        ("Business models and data collection open.", "Tender.", "Convincing owners."),
        ("Citizen participation model.", "Joint tender.", "Arguments from Lyon and Munich."),
        ("Low self-consumption.", "Delays.", "Metering."),
        (
            "Learn from Munich's self-consumption model.",
            "Tender early.",
            "Show owners the yield of a neighbour.",
        ),
        (("business-models",), ("tender-regulations-procurement",), ("activation-home-owners",)),
    ),
    SampleProject(
        "VIE-HR-HAUFFGASSE",
        "vienna",
        "holistic_refurbishment",
        _t(
            "Refurbishment of the Hauffgasse estate (485 flats)",
            de="Sanierung der Wohnhausanlage Hauffgasse (485 Wohnungen) (synthetisches Beispiel)",
        ),
        "block",
        (6, 7),
        ("in_preparation", "in_implementation", "in_implementation"),
        (10, 40, 70),
        {
            "en": "Smart refurbishment of the municipal housing estate at Hauffgasse with 485 flats, with tenants staying in their flats.",
            "de": "Smarte Sanierung der Gemeindebau-Wohnhausanlage Hauffgasse mit 485 Wohnungen, bewohnt während der Sanierung.",
        },
        "City of Vienna (Wiener Wohnen), BWSG",
        (
            "Municipal owner decides alone.",
            "Tenant information office on site.",
            "Works progress block by block.",
        ),
        (
            "Tenants' concerns about works.",
            "Coordination within city administration.",
            "Noise complaints.",
        ),
        ("Information office.", "Steering group across departments.", "Fixed quiet hours."),
        ("Cost increases.", "Tenant objections.", "Delays in winter."),
        (
            "Communicate the personal benefit to each household.",
            "Stay visible in the district.",
            "Plan works around tenants.",
        ),
        (
            ("stakeholder-involvement",),
            ("coordination-city-administration", "stakeholder-involvement"),
            ("subsidies-refurbishment",),
        ),
        explicit_refs=True,
    ),
    SampleProject(
        "VIE-EM-CHARGING",
        "vienna",
        "e_mobility",
        _t(
            "E-mobility stations with public charging",
            de="E-Mobilitätsstationen mit öffentlichen Ladepunkten (synthetisches Beispiel)",
        ),
        "points",
        (8, 9),
        ("tendering", "in_implementation", "in_operation"),
        (15, 45, 80),
        {"en": "E-mobility stations with public charging points, e-car and e-bike sharing."},
        "Wiener Stadtwerke, City of Vienna",
        ("Sites in the district.", "Operators chosen.", "Stations running."),
        (CHARGING_BARRIER, "Tender regulations.", "Low awareness."),
        (BENEFIT, "Framework contract.", "Open days at the stations."),
        ("Operating deficit.", "Grid connection costs.", "Competition from private chargers."),
        (BENEFIT, "Framework contracts save time.", "Stations need a face in the district."),
        (
            ("business-models",),
            ("tender-regulations-procurement",),
            ("business-models", "scaling-solutions"),
        ),
    ),
)
