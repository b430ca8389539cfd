#!/bin/sh
# Writes a pod's configuration directory: the image's own files (when IMAGE_CONF_DIR is set), then every
# template of TEMPLATES_DIR with each @@NAME@@ replaced by the content of the file NAME in SECRETS_DIR.
# Values are XML-escaped in .xml files; elsewhere a value with a quote or a backslash is refused, since it
# would end the string it is written into. A placeholder without its file fails the pod (exit 3), naming
# the placeholder, never a value.
set -eu

: "${TEMPLATES_DIR:?}" "${SECRETS_DIR:?}" "${TARGET_DIR:?}"
umask 077
written=0
if [ -n "${IMAGE_CONF_DIR:-}" ]; then
    cp -R "$IMAGE_CONF_DIR"/. "$TARGET_DIR"/
fi
for template in "$TEMPLATES_DIR"/*; do
    name=${template##*/}
    case "$name" in *.xml) xml=1 ;; *) xml=0 ;; esac
    awk -v secrets="$SECRETS_DIR" -v xml="$xml" -v template="$name" '
        {
            line = $0
            out = ""
            while (match(line, /@@[A-Z0-9_]+@@/)) {
                key = substr(line, RSTART + 2, RLENGTH - 4)
                file = secrets "/" key
                value = ""
                if ((getline value < file) <= 0 || value == "") {
                    print "render-config: " template " needs " key ", which no mounted Secret provides (or it is empty)" > "/dev/stderr"
                    exit 3
                }
                close(file)
                if (xml == 1) {
                    gsub(/&/, "\\&amp;", value)
                    gsub(/</, "\\&lt;", value)
                    gsub(/>/, "\\&gt;", value)
                } else if (index(value, "\"") || index(value, "\\")) {
                    print "render-config: the value of " key " cannot be written into " template " (quote or backslash)" > "/dev/stderr"
                    exit 3
                }
                out = out substr(line, 1, RSTART - 1) value
                line = substr(line, RSTART + RLENGTH)
            }
            print out line
        }' "$template" > "$TARGET_DIR/$name.partial"
    mv "$TARGET_DIR/$name.partial" "$TARGET_DIR/$name"
    written=$((written + 1))
done
echo "render-config: wrote $written file(s) to $TARGET_DIR"
