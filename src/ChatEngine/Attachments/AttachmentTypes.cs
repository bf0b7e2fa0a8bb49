using System.Text;

namespace ChatEngine;

/// <summary>
/// Decides an upload's media type: from its first bytes when they name a known format, else the type
/// the uploader declared, except that active types (which a browser would run: HTML, SVG, XML,
/// JavaScript) and malformed ones become <c>application/octet-stream</c>.
/// </summary>
public static class AttachmentTypes
{
    /// <summary>The type of bytes that say nothing: a download.</summary>
    public const string Binary = "application/octet-stream";

    /// <summary>How many leading bytes <see cref="Decide"/> looks at.</summary>
    public const int HeaderLength = 32;

    private static readonly string[] ActiveTypes =
    [
        "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/xsl",
        "text/javascript", "application/javascript", "application/x-javascript", "application/ecmascript", "text/ecmascript",
        "text/jscript", "application/x-shockwave-flash", "text/x-component",
    ];

    // Formats stored in a ZIP container: the bytes say ZIP, the declared type says which.
    private static readonly string[] ZipContainers =
    [
        "application/vnd.openxmlformats-officedocument.", "application/vnd.oasis.opendocument.", "application/epub+zip",
        "application/java-archive", "application/vnd.android.package-archive",
    ];

    /// <summary>The type an upload is stored and served with.</summary>
    /// <param name="header">Its first bytes (up to <see cref="HeaderLength"/>).</param>
    /// <param name="declared">The type the uploader declared, if any.</param>
    public static string Decide(ReadOnlySpan<byte> header, string? declared)
    {
        var claimed = Clean(declared);
        return Sniff(header) switch
        {
            "application/zip" when ZipContainers.Any(z => claimed.StartsWith(z, StringComparison.Ordinal)) => claimed,
            { } sniffed => sniffed,
            null => claimed,
        };
    }

    /// <summary>Whether browsers would run content of this type (so it is never served as such).</summary>
    public static bool IsActive(string type) =>
        ActiveTypes.Contains(type, StringComparer.Ordinal) || type.EndsWith("+xml", StringComparison.Ordinal) || type.StartsWith("multipart/", StringComparison.Ordinal);

    /// <summary>The format the bytes name, or <see langword="null"/> when they name none this knows.</summary>
    public static string? Sniff(ReadOnlySpan<byte> header)
    {
        if (header.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "image/png";
        }

        if (header.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }

        if (header.StartsWith("GIF87a"u8) || header.StartsWith("GIF89a"u8))
        {
            return "image/gif";
        }

        if (header.Length >= 12 && header.StartsWith("RIFF"u8))
        {
            var kind = header[8..12];
            return kind.SequenceEqual("WEBP"u8) ? "image/webp" : kind.SequenceEqual("WAVE"u8) ? "audio/wav" : kind.SequenceEqual("AVI "u8) ? "video/x-msvideo" : null;
        }

        if (header.Length >= 12 && header[4..8].SequenceEqual("ftyp"u8))
        {
            var brand = header[8..12];
            return brand.SequenceEqual("qt  "u8) ? "video/quicktime"
                : brand.SequenceEqual("M4A "u8) ? "audio/mp4"
                : brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("mif1"u8) ? "image/heic"
                : brand.SequenceEqual("avif"u8) ? "image/avif"
                : "video/mp4";
        }

        return header switch
        {
            _ when header.StartsWith("%PDF-"u8) => "application/pdf",
            _ when header.StartsWith("PK\x03\x04"u8) => "application/zip",
            _ when header.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]) => "application/gzip",
            _ when header.StartsWith((ReadOnlySpan<byte>)[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) => "application/x-7z-compressed",
            _ when header.StartsWith("Rar!\x1A\x07"u8) => "application/vnd.rar",
            _ when header.StartsWith("ID3"u8) => "audio/mpeg",
            _ when header.StartsWith("OggS"u8) => "audio/ogg",
            _ when header.StartsWith("fLaC"u8) => "audio/flac",
            _ when header.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]) => "video/webm",
            _ => null,
        };
    }

    /// <summary>A declared type as <c>type/subtype</c> in lower case without parameters; binary when malformed or active.</summary>
    public static string Clean(string? declared)
    {
        if (string.IsNullOrWhiteSpace(declared))
        {
            return Binary;
        }

        var type = declared.Split(';', 2)[0].Trim().ToLowerInvariant();
        var slash = type.IndexOf('/', StringComparison.Ordinal);
        if (type.Length > 127 || slash <= 0 || slash == type.Length - 1 || type.IndexOf('/', slash + 1) >= 0 || !type.All(IsTypeCharacter))
        {
            return Binary;
        }

        return IsActive(type) ? Binary : type;
    }

    // RFC 6838's restricted-name characters.
    private static bool IsTypeCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '/' or '!' or '#' or '$' or '&' or '-' or '^' or '_' or '.' or '+';
}

/// <summary>Cleans uploaded file names: what is shown and offered as the download's name, never a path.</summary>
public static class AttachmentNames
{
    /// <summary>The longest name kept, in characters.</summary>
    public const int MaxLength = 255;

    /// <summary>The name given when nothing usable is left.</summary>
    public const string Fallback = "file";

    /// <summary>
    /// The name without any folder part, control or bidi-override characters, and surrounding spaces,
    /// at most <see cref="MaxLength"/> characters (keeping the extension when it has to be shortened).
    /// </summary>
    public static string Clean(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return Fallback;
        }

        var last = name[(name.LastIndexOfAny(['/', '\\']) + 1)..];
        var kept = new StringBuilder(last.Length);
        foreach (var rune in last.EnumerateRunes())
        {
            if (!Rune.IsControl(rune) && !IsBidiControl(rune.Value) && rune.Value is not (0xFEFF or 0xFFFE or 0xFFFF) && rune != Rune.ReplacementChar)
            {
                kept.Append(rune.ToString());
            }
        }

        var cleaned = kept.ToString().Trim();
        if (cleaned.Length == 0 || cleaned.All(c => c == '.'))
        {
            return Fallback;
        }

        return cleaned.Length <= MaxLength ? cleaned : Shorten(cleaned);
    }

    private static string Shorten(string name)
    {
        var dot = name.LastIndexOf('.');
        var extension = dot > 0 && name.Length - dot <= 16 ? name[dot..] : string.Empty;
        var end = MaxLength - extension.Length;
        if (char.IsHighSurrogate(name[end - 1]))
        {
            end--;
        }

        return name[..end] + extension;
    }

    // The embedding, override and isolate controls and the marks that reorder text (a "gpj.exe" trick).
    private static bool IsBidiControl(int value) => value is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069) or 0x200E or 0x200F or 0x061C;
}
