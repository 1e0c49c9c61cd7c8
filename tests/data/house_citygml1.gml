<?xml version="1.0" encoding="UTF-8"?>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/1.0"
  xmlns:bldg="http://www.opengis.net/citygml/building/1.0"
  xmlns:gen="http://www.opengis.net/citygml/generics/1.0"
  xmlns:gml="http://www.opengis.net/gml">
  <gml:boundedBy><gml:Envelope srsName="urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH" srsDimension="3">
    <gml:lowerCorner>679265.0 5335225.0 520.0</gml:lowerCorner><gml:upperCorner>679275.0 5335233.0 529.0</gml:upperCorner>
  </gml:Envelope></gml:boundedBy>
  <core:cityObjectMember>
    <bldg:Building gml:id="DEBY_HOUSE_1">
      <core:creationDate>2016-05-01</core:creationDate>
      <gen:stringAttribute name="Gemeindeschluessel"><gen:value>09162000</gen:value></gen:stringAttribute>
      <gen:doubleAttribute name="DachhoeheFirst"><gen:value>9.0</gen:value></gen:doubleAttribute>
      <bldg:roofType>3100</bldg:roofType>
      <bldg:measuredHeight uom="m">9.0</bldg:measuredHeight>
      <bldg:storeysAboveGround>2</bldg:storeysAboveGround>
      <bldg:boundedBy><bldg:GroundSurface gml:id="H1_GroundSurface_1"><bldg:lod2MultiSurface>
        <gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="H1_P1"><gml:exterior><gml:LinearRing>
          <gml:posList srsDimension="3">679265.000 5335225.000 520.000 679265.000 5335233.000 520.000 679275.000 5335233.000 520.000 679275.000 5335225.000 520.000 679265.000 5335225.000 520.000</gml:posList>
        </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>
      </bldg:lod2MultiSurface></bldg:GroundSurface></bldg:boundedBy>
      <bldg:boundedBy><bldg:WallSurface gml:id="H1_WallSurface_2"><bldg:lod2MultiSurface>
        <gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="H1_P2"><gml:exterior><gml:LinearRing>
          <gml:pos>679265.000 5335225.000 520.000</gml:pos><gml:pos>679275.000 5335225.000 520.000</gml:pos><gml:pos>679275.000 5335225.000 526.000</gml:pos><gml:pos>679265.000 5335225.000 526.000</gml:pos><gml:pos>679265.000 5335225.000 520.000</gml:pos>
        </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>
      </bldg:lod2MultiSurface></bldg:WallSurface></bldg:boundedBy>
      <bldg:boundedBy><bldg:WallSurface gml:id="H1_WallSurface_3"><bldg:lod2MultiSurface>
        <gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="H1_P3"><gml:exterior><gml:LinearRing>
          <gml:posList srsDimension="3">679275.000 5335233.000 520.000 679265.000 5335233.000 520.000 679265.000 5335233.000 526.000 679275.000 5335233.000 526.000 679275.000 5335233.000 520.000</gml:posList>
        </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>
      </bldg:lod2MultiSurface></bldg:WallSurface></bldg:boundedBy>
      <bldg:boundedBy><bldg:WallSurface gml:id="H1_WallSurface_4"><bldg:lod2MultiSurface>
        <gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="H1_P4"><gml:exterior><gml:LinearRing>
          <gml:pos>679275.000 5335225.000 520.000</gml:pos><gml:pos>679275.000 5335233.000 520.000</gml:pos><gml:pos>679275.000 5335233.000 526.000</gml:pos><gml:pos>679275.000 5335229.000 529.000</gml:pos><gml:pos>679275.000 5335225.000 526.000</gml:pos><gml:pos>679275.000 5335225.000 520.000</gml:pos>
        </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>
      </bldg:lod2MultiSurface></bldg:WallSurface></bldg:boundedBy>
      <bldg:boundedBy><bldg:WallSurface gml:id="H1_WallSurface_5"><bldg:lod2MultiSurface>
        <gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="H1_P5"><gml:exterior><gml:LinearRing>
          <gml:posList srsDimension="3">679265.000 5335233.000 520.000 679265.000 5335225.000 520.000 679265.000 5335225.000 526.000 679265.000 5335229.000 529.000 679265.000 5335233.000 526.000 679265.000 5335233.000 520.000</gml:posList>
        </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>
      </bldg:lod2MultiSurface></bldg:WallSurface></bldg:boundedBy>
      <bldg:boundedBy><bldg:RoofSurface gml:id="H1_RoofSurface_6"><bldg:lod2MultiSurface>
        <gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="H1_P6"><gml:exterior><gml:LinearRing>
          <gml:pos>679265.000 5335225.000 526.000</gml:pos><gml:pos>679275.000 5335225.000 526.000</gml:pos><gml:pos>679275.000 5335229.000 529.000</gml:pos><gml:pos>679265.000 5335229.000 529.000</gml:pos><gml:pos>679265.000 5335225.000 526.000</gml:pos>
        </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>
      </bldg:lod2MultiSurface></bldg:RoofSurface></bldg:boundedBy>
      <bldg:boundedBy><bldg:RoofSurface gml:id="H1_RoofSurface_7"><bldg:lod2MultiSurface>
        <gml:MultiSurface><gml:surfaceMember><gml:Polygon gml:id="H1_P7"><gml:exterior><gml:LinearRing>
          <gml:posList srsDimension="3">679275.000 5335233.000 526.000 679265.000 5335233.000 526.000 679265.000 5335229.000 529.000 679275.000 5335229.000 529.000 679275.000 5335233.000 526.000</gml:posList>
        </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>
      </bldg:lod2MultiSurface></bldg:RoofSurface></bldg:boundedBy>
    </bldg:Building>
  </core:cityObjectMember>
</core:CityModel>
