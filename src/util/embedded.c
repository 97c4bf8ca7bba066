/*
 * Look-up of the files compiled into the binary (the table itself is
 * generated at build time into embedded_projects.c).
 */
#include "util/embedded.h"

#include <string.h>

const struct po_embedded_file *po_embedded_find(const char *path)
{
	for (size_t i = 0; i < po_embedded_files_count; i++)
		if (!strcmp(po_embedded_files[i].path, path))
			return &po_embedded_files[i];
	return NULL;
}
