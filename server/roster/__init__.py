"""District, schools, school years, teachers and coach assignments."""
