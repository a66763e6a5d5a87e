/** What the staff pages say. Staff read English only, but every word they see comes from here. */
export const enAdmin = {} as const;
