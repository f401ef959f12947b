using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Helix.Platform.Spec;

/// <summary>A position in a spec file, 1-based, as editors show it.</summary>
public readonly record struct SourceMark(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>
/// A YAML document as a tree that remembers where every node and key stands, so that every
/// error can name <c>file:line:column</c>. Built from the parser's events, not a deserializer,
/// because a deserializer forgets positions and silently keeps the last of duplicate keys.
/// </summary>
internal abstract record YamlNode(SourceMark Mark);

internal sealed record YamlScalar(string Value, bool Quoted, SourceMark Mark) : YamlNode(Mark)
{
    /// <summary>An unquoted <c>~</c>, <c>null</c> or empty scalar.</summary>
    public bool IsNull => !Quoted && Value is "" or "~" or "null" or "Null" or "NULL";
}

internal sealed record YamlSequence(IReadOnlyList<YamlNode> Items, SourceMark Mark) : YamlNode(Mark);

internal sealed record YamlMapping(IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> Entries, SourceMark Mark) : YamlNode(Mark);

internal static class YamlTree
{
    /// <summary>Reads the first document; syntax errors come back as <see cref="SpecError"/>s, never exceptions.</summary>
    public static YamlNode? Read(string text, string file, List<SpecError> errors)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                errors.Add(new SpecError(file, new SourceMark(1, 1), "the spec is empty", "start with 'name: <platform name>'"));
                return null;
            }
            parser.Consume<DocumentStart>();
            return ReadNode(parser, anchors, file, errors);
        }
        catch (YamlException e)
        {
            errors.Add(new SpecError(file, Mark(e.Start), $"YAML syntax: {e.Message}", "fix the indentation or quoting at this place"));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up on some malformed scalars without a YamlException: the last event read is where.
            errors.Add(new SpecError(file, parser.Current is { } last ? Mark(last.End) : new SourceMark(1, 1), "YAML syntax: the text after this place cannot be read as YAML",
                "fix the quoting or the brackets after this place"));
            return null;
        }
    }

    private static YamlNode ReadNode(IParser parser, Dictionary<string, YamlNode> anchors, string file, List<SpecError> errors)
    {
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (anchors.TryGetValue(alias.Value.Value, out var target))
            {
                return target;
            }
            errors.Add(new SpecError(file, Mark(alias.Start), $"alias *{alias.Value} names no anchor", $"define &{alias.Value} before using it"));
            return new YamlScalar("", false, Mark(alias.Start));
        }

        YamlNode node;
        string? anchor;
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
            node = new YamlScalar(scalar.Value, scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded, Mark(scalar.Start));
        }
        else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            anchor = sequenceStart.Anchor.IsEmpty ? null : sequenceStart.Anchor.Value;
            var items = new List<YamlNode>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                items.Add(ReadNode(parser, anchors, file, errors));
            }
            node = new YamlSequence(items, Mark(sequenceStart.Start));
        }
        else
        {
            var mappingStart = parser.Consume<MappingStart>();
            anchor = mappingStart.Anchor.IsEmpty ? null : mappingStart.Anchor.Value;
            var entries = new List<KeyValuePair<YamlScalar, YamlNode>>();
            var seen = new Dictionary<string, SourceMark>(StringComparer.Ordinal);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyNode = ReadNode(parser, anchors, file, errors);
                var value = ReadNode(parser, anchors, file, errors);
                if (keyNode is not YamlScalar key)
                {
                    errors.Add(new SpecError(file, keyNode.Mark, "a key must be a plain name", "write 'key: value'"));
                    continue;
                }
                if (seen.TryGetValue(key.Value, out var first))
                {
                    errors.Add(new SpecError(file, key.Mark, $"duplicate key '{key.Value}' (first at {first})", "keep one of them"));
                    continue;
                }
                seen[key.Value] = key.Mark;
                entries.Add(new(key, value));
            }
            node = new YamlMapping(entries, Mark(mappingStart.Start));
        }

        if (anchor is not null)
        {
            anchors[anchor] = node;
        }
        return node;
    }

    private static SourceMark Mark(Mark mark) => new((int)mark.Line, (int)mark.Column);
}
