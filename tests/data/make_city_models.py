"""Writes the two small city models in this folder (run once; the files are committed).

A gabled house, 10 m x 8 m, eaves at 6 m, ridge at 9 m, ground at 520 m (DHHN2016), in
Neuaubing-Westkreuz (Munich), EPSG:25832. Its volume is 480 + 120 = 600 m3, its footprint 80 m2.
- house_citygml1.gml: CityGML 1.0, one Building with thematic surfaces, the AdV's
  ``urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH`` srsName, ``gml:pos`` and ``gml:posList`` rings,
  generic attributes, roofType, measuredHeight, storeysAboveGround.
- house_citygml3.gml: CityGML 3.0, the same house as a Building with two BuildingParts (split
  at x = 5 m), each an ``lod2Solid`` without thematic surfaces, in an OGC compound CRS URN.
"""

from pathlib import Path

X0, Y0, Z0 = 679265.0, 5335225.0, 520.0
HERE = Path(__file__).parent


def faces(x0: float, x1: float) -> dict[str, list]:
    """Outward-facing rings of the house between x0 and x1 (local metres), by surface type."""
    g = [(x0, 0, 0), (x0, 8, 0), (x1, 8, 0), (x1, 0, 0)]  # facing down
    south = [(x0, 0, 0), (x1, 0, 0), (x1, 0, 6), (x0, 0, 6)]
    north = [(x1, 8, 0), (x0, 8, 0), (x0, 8, 6), (x1, 8, 6)]
    east = [(x1, 0, 0), (x1, 8, 0), (x1, 8, 6), (x1, 4, 9), (x1, 0, 6)]
    west = [(x0, 8, 0), (x0, 0, 0), (x0, 0, 6), (x0, 4, 9), (x0, 8, 6)]
    roof_s = [(x0, 0, 6), (x1, 0, 6), (x1, 4, 9), (x0, 4, 9)]
    roof_n = [(x1, 8, 6), (x0, 8, 6), (x0, 4, 9), (x1, 4, 9)]
    return {
        "GroundSurface": [g],
        "WallSurface": [south, north, east, west],
        "RoofSurface": [roof_s, roof_n],
    }


def pos_list(ring) -> str:
    pts = [*ring, ring[0]]
    return " ".join(f"{X0 + x:.3f} {Y0 + y:.3f} {Z0 + z:.3f}" for x, y, z in pts)


def pos_elements(ring) -> str:
    pts = [*ring, ring[0]]
    return "".join(f"<gml:pos>{X0 + x:.3f} {Y0 + y:.3f} {Z0 + z:.3f}</gml:pos>" for x, y, z in pts)


def citygml1() -> str:
    surfaces = []
    n = 0
    for kind, rings in faces(0, 10).items():
        for ring in rings:
            n += 1
            coords = (
                f'<gml:posList srsDimension="3">{pos_list(ring)}</gml:posList>'
                if n % 2
                else pos_elements(ring)
            )
            surfaces.append(
                f"""      <bldg:boundedBy><bldg:{kind} gml:id="H1_{kind}_{n}"><bldg:lod2MultiSurface>
        <gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="H1_P{n}"><gml:exterior><gml:LinearRing>
          {coords}
        </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>
      </bldg:lod2MultiSurface></bldg:{kind}></bldg:boundedBy>"""
            )
    body = "\n".join(surfaces)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/1.0"
  xmlns:bldg="http://www.opengis.net/citygml/building/1.0"
  xmlns:gen="http://www.opengis.net/citygml/generics/1.0"
  xmlns:gml="http://www.opengis.net/gml">
  <gml:boundedBy><gml:Envelope srsName="urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH" srsDimension="3">
    <gml:lowerCorner>{X0} {Y0} {Z0}</gml:lowerCorner><gml:upperCorner>{X0 + 10} {Y0 + 8} {Z0 + 9}</gml:upperCorner>
  </gml:Envelope></gml:boundedBy>
  <core:cityObjectMember>
    <bldg:Building gml:id="DEBY_HOUSE_1">
      <core:creationDate>2016-05-01</core:creationDate>
      <gen:stringAttribute name="Gemeindeschluessel"><gen:value>09162000</gen:value></gen:stringAttribute>
      <gen:doubleAttribute name="DachhoeheFirst"><gen:value>9.0</gen:value></gen:doubleAttribute>
      <bldg:roofType>3100</bldg:roofType>
      <bldg:measuredHeight uom="m">9.0</bldg:measuredHeight>
      <bldg:storeysAboveGround>2</bldg:storeysAboveGround>
{body}
    </bldg:Building>
  </core:cityObjectMember>
</core:CityModel>
"""


def citygml3() -> str:
    parts = []
    for k, (x0, x1) in enumerate([(0, 5), (5, 10)], start=1):
        members = []
        for rings in faces(x0, x1).values():
            for ring in rings:
                members.append(
                    f"""              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>{pos_list(ring)}</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>"""
                )
        body = "\n".join(members)
        parts.append(
            f"""      <bldg:buildingPart><bldg:BuildingPart gml:id="DEBY_HOUSE_3_P{k}">
        <core:creationDate>2016-05-01</core:creationDate>
        <core:validFrom>2016-05-01T00:00:00</core:validFrom>
        <gen:genericAttribute><gen:StringAttribute><gen:name>Teil</gen:name><gen:value>{k}</gen:value></gen:StringAttribute></gen:genericAttribute>
        <core:lod2Solid><gml:Solid><gml:exterior><gml:Shell>
{body}
        </gml:Shell></gml:exterior></gml:Solid></core:lod2Solid>
        <bldg:roofType>1030</bldg:roofType>
      </bldg:BuildingPart></bldg:buildingPart>"""
        )
    body = "\n".join(parts)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/3.0"
  xmlns:bldg="http://www.opengis.net/citygml/building/3.0"
  xmlns:gen="http://www.opengis.net/citygml/generics/3.0"
  xmlns:gml="http://www.opengis.net/gml/3.2">
  <gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::7837" srsDimension="3">
    <gml:lowerCorner>{X0} {Y0} {Z0}</gml:lowerCorner><gml:upperCorner>{X0 + 10} {Y0 + 8} {Z0 + 9}</gml:upperCorner>
  </gml:Envelope></gml:boundedBy>
  <core:cityObjectMember>
    <bldg:Building gml:id="DEBY_HOUSE_3">
      <core:creationDate>2016-05-01</core:creationDate>
      <core:validFrom>2016-05-01T00:00:00</core:validFrom>
      <bldg:storeysAboveGround>2</bldg:storeysAboveGround>
{body}
    </bldg:Building>
  </core:cityObjectMember>
</core:CityModel>
"""


if __name__ == "__main__":
    (HERE / "house_citygml1.gml").write_text(citygml1(), encoding="utf-8")
    (HERE / "house_citygml3.gml").write_text(citygml3(), encoding="utf-8")
