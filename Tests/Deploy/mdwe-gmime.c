/*
 * mdwe-gmime: exercise the GLib/GMime code paths that could need W+X memory
 * (GRegex uses PCRE2's JIT, which allocates executable memory) so that the
 * MemoryDenyWriteExecute check covers GMime even before Postillon's binary
 * uses it. Run it under mdwe-exec; it exits 0 when regex matching and MIME
 * parsing/serialising work and prints whether PCRE2's JIT was refused.
 *
 * Build: cc -O2 -o mdwe-gmime mdwe-gmime.c $(pkg-config --cflags --libs gmime-3.0)
 */
#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>

static const char message[] =
    "From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@example.org>\r\n"
    "To: Alice <alice@mail.test>, bob@mail.test\r\n"
    "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"
    "Message-ID: <mdwe-1@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello https://example.org/x\r\n"
    "--b1\r\nContent-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.bin\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n"
    "--b1--\r\n";

int main(void) {
    g_mime_init();
    GError *error = NULL;
    GRegex *regex = g_regex_new("([a-z]+)@([a-z.]+)", G_REGEX_OPTIMIZE, 0, &error);
    if (!regex) { fprintf(stderr, "g_regex_new: %s\n", error->message); return 1; }
    if (!g_regex_match(regex, "mail alice@mail.test now", 0, NULL)) { fprintf(stderr, "regex did not match\n"); return 1; }
    g_regex_unref(regex);

    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(message, strlen(message));
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
    if (!msg) { fprintf(stderr, "parse failed\n"); return 1; }
    const char *subject = g_mime_message_get_subject(msg);
    InternetAddressList *from = g_mime_message_get_from(msg);
    char *from_text = internet_address_list_to_string(from, NULL, FALSE);
    GMimeObject *body = g_mime_message_get_mime_part(msg);
    int parts = GMIME_IS_MULTIPART(body) ? g_mime_multipart_get_count(GMIME_MULTIPART(body)) : 1;
    GMimePart *attachment = GMIME_IS_MULTIPART(body) ? GMIME_PART(g_mime_multipart_get_part(GMIME_MULTIPART(body), 1)) : NULL;
    const char *filename = attachment ? g_mime_part_get_filename(attachment) : NULL;
    char *serialised = g_mime_object_to_string(GMIME_OBJECT(msg), NULL);
    int ok = subject && strcmp(subject, "Grüße") == 0 && parts == 2 && filename && strcmp(filename, "résumé.bin") == 0 &&
             from_text && strstr(from_text, "Jürgen") && serialised && strstr(serialised, "mdwe-1@example.org");
    printf("mdwe-gmime: subject=%s from=%s parts=%d filename=%s -> %s\n", subject ? subject : "(null)",
           from_text ? from_text : "(null)", parts, filename ? filename : "(null)", ok ? "ok" : "WRONG");
    g_free(from_text);
    g_free(serialised);
    g_object_unref(msg);
    g_object_unref(parser);
    g_object_unref(stream);
    g_mime_shutdown();
    return ok ? 0 : 1;
}
