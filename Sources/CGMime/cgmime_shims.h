// GMime 3 plus static-inline shims for the GObject macros Swift cannot import
// (type checks and casts). Every symbol of ours carries the `cgmime_` prefix.
#ifndef CGMIME_SHIMS_H
#define CGMIME_SHIMS_H

#include <gmime/gmime.h>

static inline gboolean cgmime_is_multipart(GMimeObject *object) { return GMIME_IS_MULTIPART(object); }
static inline gboolean cgmime_is_part(GMimeObject *object) { return GMIME_IS_PART(object); }
static inline gboolean cgmime_is_text_part(GMimeObject *object) { return GMIME_IS_TEXT_PART(object); }
static inline gboolean cgmime_is_message_part(GMimeObject *object) { return GMIME_IS_MESSAGE_PART(object); }
static inline gboolean cgmime_is_message(GMimeObject *object) { return GMIME_IS_MESSAGE(object); }
static inline gboolean cgmime_address_is_mailbox(InternetAddress *address) { return INTERNET_ADDRESS_IS_MAILBOX(address); }
static inline gboolean cgmime_address_is_group(InternetAddress *address) { return INTERNET_ADDRESS_IS_GROUP(address); }

static inline GMimeMultipart *cgmime_as_multipart(GMimeObject *object) { return GMIME_MULTIPART(object); }
static inline GMimePart *cgmime_as_part(GMimeObject *object) { return GMIME_PART(object); }
static inline GMimeTextPart *cgmime_as_text_part(GMimeObject *object) { return GMIME_TEXT_PART(object); }
static inline GMimeMessagePart *cgmime_as_message_part(GMimeObject *object) { return GMIME_MESSAGE_PART(object); }
static inline GMimeObject *cgmime_message_as_object(GMimeMessage *message) { return GMIME_OBJECT(message); }
static inline GMimeObject *cgmime_part_as_object(GMimePart *part) { return GMIME_OBJECT(part); }
static inline GMimeObject *cgmime_multipart_as_object(GMimeMultipart *multipart) { return GMIME_OBJECT(multipart); }
static inline GMimeObject *cgmime_message_part_as_object(GMimeMessagePart *part) { return GMIME_OBJECT(part); }
static inline GMimeStream *cgmime_filter_stream_as_stream(GMimeStreamFilter *filter) { return GMIME_STREAM(filter); }
static inline GMimeStreamCat *cgmime_as_stream_cat(GMimeStream *stream) { return GMIME_STREAM_CAT(stream); }
static inline GMimeStreamMem *cgmime_as_stream_mem(GMimeStream *stream) { return GMIME_STREAM_MEM(stream); }
static inline InternetAddressMailbox *cgmime_as_mailbox(InternetAddress *address) { return INTERNET_ADDRESS_MAILBOX(address); }
static inline InternetAddressGroup *cgmime_as_group(InternetAddress *address) { return INTERNET_ADDRESS_GROUP(address); }
static inline InternetAddress *cgmime_mailbox_as_address(InternetAddressMailbox *mailbox) { return INTERNET_ADDRESS(mailbox); }
// Composing (SMTP/MIME send): a text part is a part is an object.
static inline GMimePart *cgmime_text_part_as_part(GMimeTextPart *part) { return GMIME_PART(part); }
static inline GMimeObject *cgmime_text_part_as_object(GMimeTextPart *part) { return GMIME_OBJECT(part); }

/// Bytes written to a null stream (used to measure decoded sizes without keeping them).
static inline size_t cgmime_null_stream_written(GMimeStream *stream) { return GMIME_STREAM_NULL(stream)->written; }

/// The bytes held by a memory stream (owned by the stream).
static inline const unsigned char *cgmime_stream_mem_data(GMimeStream *stream, size_t *length) {
    GByteArray *array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
    *length = array ? array->len : 0;
    return array ? array->data : NULL;
}

/// Releases any GObject.
static inline void cgmime_unref(void *object) { if (object) g_object_unref(object); }

/// A NULL-terminated list of two fallback charsets for undeclared 8-bit headers and bodies.
static inline void cgmime_set_fallback_charsets(GMimeParserOptions *options, const char *first, const char *second) {
    const char *charsets[] = { first, second, NULL };
    g_mime_parser_options_set_fallback_charsets(options, charsets);
}

#endif
