<?xml version="1.0" encoding="utf-8" ?>
<ogr:FeatureCollection
     gml:id="aFeatureCollection"
     xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
     xsi:schemaLocation="http://ogr.maptools.org/ site.xsd"
     xmlns:ogr="http://ogr.maptools.org/"
     xmlns:gml="http://www.opengis.net/gml/3.2">
  <gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::4490"><gml:lowerCorner>29.944205 121.069788</gml:lowerCorner><gml:upperCorner>29.97078 121.075847</gml:upperCorner></gml:Envelope></gml:boundedBy>
                                                                                                                                             
  <ogr:featureMember>
    <ogr:site gml:id="site.0">
      <gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::4490"><gml:lowerCorner>29.944205 121.069788</gml:lowerCorner><gml:upperCorner>29.97078 121.075847</gml:upperCorner></gml:Envelope></gml:boundedBy>
      <ogr:geometryProperty><gml:LineString srsName="urn:ogc:def:crs:EPSG::4490" gml:id="site.geom.0"><gml:posList>29.97078 121.069788 29.944205 121.075847</gml:posList></gml:LineString></ogr:geometryProperty>
      <ogr:name>地块0</ogr:name>
    </ogr:site>
  </ogr:featureMember>
</ogr:FeatureCollection>
