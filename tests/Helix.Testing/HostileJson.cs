using System.Text;
using CsCheck;

namespace Helix.Testing;

/// <summary>
/// JSON string literals as a hostile-but-plausible client writes them: any Unicode, raw or
/// escaped; control characters and NUL; unpaired surrogate escapes; bytes that are not UTF-8;
/// now and then a long one. Each literal knows the text it stands for, so a test can say what the
/// service must make of it.
/// </summary>
public static class HostileJson
{
    /// <summary>A JSON string literal (quotes included) and the text it stands for; <see cref="Text"/> is null when the bytes are not UTF-8.</summary>
    public sealed record Literal(string? Text, byte[] Json)
    {
        /// <summary>Unicode text: UTF-8 bytes, no unpaired surrogate.</summary>
        public bool Unicode => Text is not null && IsWellFormed(Text);

        /// <summary>Text PostgreSQL can keep too: Unicode without NUL.</summary>
        public bool Storable => Unicode && !Text!.Contains('\0', StringComparison.Ordinal);

        public override string ToString() => Encoding.UTF8.GetString(Json);
    }

    private sealed record Piece(string? Text, byte[] Json);

    private static readonly Gen<Piece> AnyPiece = Gen.Frequency(
        (8, Gen.Select(Gen.Char['!', '~'], Gen.Bool, (c, escape) => Char(c.ToString(), escape))),
        (2, Gen.Select(Gen.Char['\0', '\u001f'], Gen.Bool, (c, escape) => Char(c.ToString(), escape))),
        (2, Gen.OneOf(" ", "é", "e\u0301", "\u2028", "\u00a0", "\ufeff", "\uffff", "\u202e", "日本", "🙂").Select(t => Char(t, escape: false))),
        (3, Gen.Select(Gen.Int[0x80, 0xD7FF], Gen.Bool, (c, escape) => Char(((char)c).ToString(), escape))),
        (1, Gen.Select(Gen.Int[0x10000, 0x10FFFF], Gen.Bool, (c, escape) => Char(char.ConvertFromUtf32(c), escape))),
        // A surrogate escape on its own: unpaired unless a neighbour completes the pair.
        (1, Gen.Int[0xD800, 0xDFFF].Select(c => Char(((char)c).ToString(), escape: true))),
        // Bytes that are not UTF-8: a stray continuation, a truncated sequence, an encoded surrogate, an overlong form;
        // between two x's, so that two of them never make a valid sequence together (C3 then 80 is 'À').
        (1, Gen.OneOf<byte[]>([0xFF], [0x80], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF]).Select(b => new Piece(null, [(byte)'x', .. b, (byte)'x']))));

    /// <summary>Any literal: mostly short, one in twenty up to 3,000 pieces.</summary>
    public static readonly Gen<Literal> Text = Gen.Frequency(
        (19, AnyPiece.Array[0, 24]),
        (1, AnyPiece.Array[500, 3000])).Select(Join);

    /// <summary>A literal of visible ASCII only (a name a client would type), never empty.</summary>
    public static readonly Gen<Literal> Plain = Gen.Char['a', 'z'].Array[1, 16].Select(c => Join([.. c.Select(x => Char(x.ToString(), escape: false))]));

    /// <summary>The literal for <paramref name="text"/>, written as System.Text.Json would (valid text only).</summary>
    public static Literal Of(string text) => new(text, Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(text)));

    /// <summary>A JSON object of the members, in order: each value is raw JSON (a literal's bytes, a number, an object).</summary>
    public static byte[] Members(params (string Name, byte[] Value)[] members)
    {
        var json = new List<byte> { (byte)'{' };
        for (var i = 0; i < members.Length; i++)
        {
            if (i > 0)
            {
                json.Add((byte)',');
            }
            json.AddRange(Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(members[i].Name)));
            json.Add((byte)':');
            json.AddRange(members[i].Value);
        }
        json.Add((byte)'}');
        return [.. json];
    }

    /// <summary>A JSON array of raw JSON values.</summary>
    public static byte[] Items(IEnumerable<byte[]> values) =>
        [(byte)'[', .. values.Aggregate(new List<byte>(), (all, v) => { if (all.Count > 0) { all.Add((byte)','); } all.AddRange(v); return all; }), (byte)']'];

    private static Piece Char(string text, bool escape)
    {
        if (escape || text.Any(c => c < ' ' || char.IsSurrogate(c) && text.Length == 1))
        {
            return new Piece(text, Encoding.ASCII.GetBytes(string.Concat(text.Select(c => $"\\u{(int)c:x4}"))));
        }
        return text switch
        {
            "\"" => new Piece(text, "\\\""u8.ToArray()),
            "\\" => new Piece(text, "\\\\"u8.ToArray()),
            _ => new Piece(text, Encoding.UTF8.GetBytes(text)),
        };
    }

    private static Literal Join(Piece[] pieces)
    {
        var text = pieces.Any(p => p.Text is null) ? null : string.Concat(pieces.Select(p => p.Text));
        return new Literal(text, [(byte)'"', .. pieces.SelectMany(p => p.Json), (byte)'"']);
    }

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }
        return true;
    }
}
