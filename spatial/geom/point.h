// Point2: a plain pair of coordinates, in whatever CRS its holder says
// (longitude/easting first). The vocabulary type of the whole core.
#ifndef REDLINE_SPATIAL_GEOM_POINT_H_
#define REDLINE_SPATIAL_GEOM_POINT_H_

namespace redline {

struct Point2 {
  double x = 0;
  double y = 0;
  friend bool operator==(const Point2&, const Point2&) = default;
};

}  // namespace redline

#endif  // REDLINE_SPATIAL_GEOM_POINT_H_
