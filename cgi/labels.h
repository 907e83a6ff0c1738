/*
 * labels.h: the names people read for peer groups and their values, in
 * German and English. Pure.
 */
#ifndef LABELS_H
#define LABELS_H

/*
 * The label of value in the peer group kind by ("size_class", "kind",
 * "state", "urbanisation", "network") in lang ("de" or "en"); value
 * itself when there is no better name. Static storage or value.
 */
const char *labels_peer(const char *by, const char *value, const char *lang);

#endif /* LABELS_H */
