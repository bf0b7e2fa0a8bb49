using System.Buffers;
using System.Text.Json;

namespace ChatEngine.AspNetCore;

/// <summary>A file frame read where it lies: its small fields as strings, its base64 data as a slice of the frame.</summary>
internal sealed record IncomingFile(string? Name, string? Type, string? Text, long DecodedLength, ReadOnlySequence<byte> Data, ErrorFrame? Error = null);

/// <summary>
/// Reads <c>{"type": "file", "file": {"name", "type", "size", "data"}, "text"?}</c> without copying the
/// data: base64 is checked and measured in place, and sent on between the head and tail of the
/// relayed frame, which are the serialized <see cref="FileFrame"/> split where its data goes.
/// </summary>
internal static class FileFrameReader
{
    // A file's name, type and caption are short; a frame whose are not is refused, never copied.
    private const int MaxFieldLength = 4096;

    private static readonly SearchValues<byte> Base64Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8);

    private static readonly byte[] DataMarker = "\"data\":\"\""u8.ToArray();

    public static ErrorFrame Invalid { get; } =
        new(ChatErrorCodes.InvalidFrame, "Send {\"type\": \"file\", \"file\": {\"name\", \"type\", \"size\", \"data\": base64}}.");

    /// <summary>The file of a frame, an <see cref="IncomingFile"/> with an error for a frame that is JSON but wrong, or null for one that is not a file frame.</summary>
    public static IncomingFile? Read(ReadOnlySequence<byte> frame, long maxFileBytes)
    {
        string? type = null, text = null, name = null, mediaType = null;
        long? size = null;
        ReadOnlySequence<byte>? data = null;
        try
        {
            var reader = new Utf8JsonReader(frame, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    type = ReadShortString(ref reader);
                }
                else if (reader.ValueTextEquals("text"u8))
                {
                    text = ReadShortString(ref reader);
                }
                else if (reader.ValueTextEquals("file"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                    {
                        return null;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("name"u8))
                        {
                            name = ReadShortString(ref reader);
                        }
                        else if (reader.ValueTextEquals("type"u8))
                        {
                            mediaType = ReadShortString(ref reader);
                        }
                        else if (reader.ValueTextEquals("size"u8))
                        {
                            reader.Read();
                            size = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : null;
                        }
                        else if (reader.ValueTextEquals("data"u8))
                        {
                            if (!reader.Read() || reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
                            {
                                return new IncomingFile(null, null, null, 0, default, new ErrorFrame(ChatErrorCodes.InvalidFile, "file.data must be base64."));
                            }

                            var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                            data = frame.Slice(reader.TokenStartIndex + 1, length);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return new IncomingFile(null, null, null, 0, default, new ErrorFrame(ChatErrorCodes.InvalidJson, "The frame is not valid JSON."));
        }
        catch (InvalidOperationException)
        {
            return null; // A field of the wrong kind or too long.
        }

        if (type != "file" || data is not { } base64)
        {
            return null;
        }

        if (MeasureBase64(base64) is not { } decodedLength)
        {
            return new IncomingFile(null, null, null, 0, default, new ErrorFrame(ChatErrorCodes.InvalidFile, "file.data must be base64."));
        }

        if (decodedLength > maxFileBytes || size > maxFileBytes)
        {
            return new IncomingFile(null, null, null, 0, default, TooLarge(maxFileBytes));
        }

        return new IncomingFile(name, mediaType, text, decodedLength, base64);
    }

    public static ErrorFrame TooLarge(long maxFileBytes) => new(ChatErrorCodes.FileTooLarge, $"Files must be at most {maxFileBytes} bytes.");

    /// <summary>The relayed frame's bytes before and after its data, as the serializer writes them.</summary>
    public static (byte[] Head, byte[] Tail) Envelope(FileFrame frame)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(frame, ChatJsonContext.Default.FileFrame);
        // Strings are escaped when written, so "data":"" occurs only where the (empty) data is.
        var at = bytes.AsSpan().IndexOf(DataMarker) + DataMarker.Length - 1;
        return (bytes[..at], bytes[at..]);
    }

    /// <summary>The decoded length of strict base64 (no white space, padding only at the end), or null if it is not.</summary>
    private static long? MeasureBase64(ReadOnlySequence<byte> base64)
    {
        var length = base64.Length;
        if (length % 4 != 0)
        {
            return null;
        }

        var padding = 0;
        if (length > 0)
        {
            Span<byte> end = stackalloc byte[2];
            base64.Slice(length - 2).CopyTo(end);
            padding = end[1] == '=' ? (end[0] == '=' ? 2 : 1) : 0;
        }

        foreach (var part in base64.Slice(0, length - padding))
        {
            if (part.Span.IndexOfAnyExcept(Base64Alphabet) >= 0)
            {
                return null;
            }
        }

        return (length / 4 * 3) - padding;
    }

    private static string? ReadShortString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (reader.TokenType != JsonTokenType.String || length > MaxFieldLength * 6)
        {
            throw new InvalidOperationException("Not a short string.");
        }

        var value = reader.GetString();
        return value is { Length: > MaxFieldLength } ? throw new InvalidOperationException("Not a short string.") : value;
    }
}
