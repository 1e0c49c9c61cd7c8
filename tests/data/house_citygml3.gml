<?xml version="1.0" encoding="UTF-8"?>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/3.0"
  xmlns:bldg="http://www.opengis.net/citygml/building/3.0"
  xmlns:gen="http://www.opengis.net/citygml/generics/3.0"
  xmlns:gml="http://www.opengis.net/gml/3.2">
  <gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::7837" srsDimension="3">
    <gml:lowerCorner>679265.0 5335225.0 520.0</gml:lowerCorner><gml:upperCorner>679275.0 5335233.0 529.0</gml:upperCorner>
  </gml:Envelope></gml:boundedBy>
  <core:cityObjectMember>
    <bldg:Building gml:id="DEBY_HOUSE_3">
      <core:creationDate>2016-05-01</core:creationDate>
      <core:validFrom>2016-05-01T00:00:00</core:validFrom>
      <bldg:storeysAboveGround>2</bldg:storeysAboveGround>
      <bldg:buildingPart><bldg:BuildingPart gml:id="DEBY_HOUSE_3_P1">
        <core:creationDate>2016-05-01</core:creationDate>
        <core:validFrom>2016-05-01T00:00:00</core:validFrom>
        <gen:genericAttribute><gen:StringAttribute><gen:name>Teil</gen:name><gen:value>1</gen:value></gen:StringAttribute></gen:genericAttribute>
        <core:lod2Solid><gml:Solid><gml:exterior><gml:Shell>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679265.000 5335225.000 520.000 679265.000 5335233.000 520.000 679270.000 5335233.000 520.000 679270.000 5335225.000 520.000 679265.000 5335225.000 520.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679265.000 5335225.000 520.000 679270.000 5335225.000 520.000 679270.000 5335225.000 526.000 679265.000 5335225.000 526.000 679265.000 5335225.000 520.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679270.000 5335233.000 520.000 679265.000 5335233.000 520.000 679265.000 5335233.000 526.000 679270.000 5335233.000 526.000 679270.000 5335233.000 520.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679270.000 5335225.000 520.000 679270.000 5335233.000 520.000 679270.000 5335233.000 526.000 679270.000 5335229.000 529.000 679270.000 5335225.000 526.000 679270.000 5335225.000 520.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679265.000 5335233.000 520.000 679265.000 5335225.000 520.000 679265.000 5335225.000 526.000 679265.000 5335229.000 529.000 679265.000 5335233.000 526.000 679265.000 5335233.000 520.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679265.000 5335225.000 526.000 679270.000 5335225.000 526.000 679270.000 5335229.000 529.000 679265.000 5335229.000 529.000 679265.000 5335225.000 526.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679270.000 5335233.000 526.000 679265.000 5335233.000 526.000 679265.000 5335229.000 529.000 679270.000 5335229.000 529.000 679270.000 5335233.000 526.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
        </gml:Shell></gml:exterior></gml:Solid></core:lod2Solid>
        <bldg:roofType>1030</bldg:roofType>
      </bldg:BuildingPart></bldg:buildingPart>
      <bldg:buildingPart><bldg:BuildingPart gml:id="DEBY_HOUSE_3_P2">
        <core:creationDate>2016-05-01</core:creationDate>
        <core:validFrom>2016-05-01T00:00:00</core:validFrom>
        <gen:genericAttribute><gen:StringAttribute><gen:name>Teil</gen:name><gen:value>2</gen:value></gen:StringAttribute></gen:genericAttribute>
        <core:lod2Solid><gml:Solid><gml:exterior><gml:Shell>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679270.000 5335225.000 520.000 679270.000 5335233.000 520.000 679275.000 5335233.000 520.000 679275.000 5335225.000 520.000 679270.000 5335225.000 520.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679270.000 5335225.000 520.000 679275.000 5335225.000 520.000 679275.000 5335225.000 526.000 679270.000 5335225.000 526.000 679270.000 5335225.000 520.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679275.000 5335233.000 520.000 679270.000 5335233.000 520.000 679270.000 5335233.000 526.000 679275.000 5335233.000 526.000 679275.000 5335233.000 520.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679275.000 5335225.000 520.000 679275.000 5335233.000 520.000 679275.000 5335233.000 526.000 679275.000 5335229.000 529.000 679275.000 5335225.000 526.000 679275.000 5335225.000 520.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679270.000 5335233.000 520.000 679270.000 5335225.000 520.000 679270.000 5335225.000 526.000 679270.000 5335229.000 529.000 679270.000 5335233.000 526.000 679270.000 5335233.000 520.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679270.000 5335225.000 526.000 679275.000 5335225.000 526.000 679275.000 5335229.000 529.000 679270.000 5335229.000 529.000 679270.000 5335225.000 526.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
              <gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing>
                <gml:posList>679275.000 5335233.000 526.000 679270.000 5335233.000 526.000 679270.000 5335229.000 529.000 679275.000 5335229.000 529.000 679275.000 5335233.000 526.000</gml:posList>
              </gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>
        </gml:Shell></gml:exterior></gml:Solid></core:lod2Solid>
        <bldg:roofType>1030</bldg:roofType>
      </bldg:BuildingPart></bldg:buildingPart>
    </bldg:Building>
  </core:cityObjectMember>
</core:CityModel>
