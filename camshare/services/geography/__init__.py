"""Where things are: the geocoder and the area where cameras may be registered."""
