using System.Text;
using System.Text.Json;

namespace Helix.Orchestrator.Nodes;

/// <summary>
/// Ollama reports a failure in the middle of a streamed answer as an <c>{"error": "..."}</c> line
/// inside a 200 response. This handler watches the lines of streamed responses as they pass and
/// turns such a line into a <see cref="LanguageModelException"/> with Ollama's own message, instead
/// of an answer that silently stops half way.
/// </summary>
internal sealed class OllamaStreamErrors : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "application/x-ndjson")
        {
            var watched = new StreamContent(new LineWatcher(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false)));
            foreach (var header in response.Content.Headers)
            {
                watched.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            response.Content = watched;
        }
        return response;
    }

    private sealed class LineWatcher(Stream inner) : Stream
    {
        private readonly List<byte> _line = [];

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Watch(buffer.Span[..read]);
            return read;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            Watch(buffer.AsSpan(offset, read));
            return read;
        }

        private void Watch(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
            {
                if (b != (byte)'\n')
                {
                    if (_line.Count < 4096)
                    {
                        _line.Add(b);
                    }
                    continue;
                }
                var line = Encoding.UTF8.GetString([.. _line]);
                _line.Clear();
                if (line.StartsWith("{\"error\"", StringComparison.Ordinal))
                {
                    string message;
                    try
                    {
                        message = JsonDocument.Parse(line).RootElement.GetProperty("error").GetString() ?? "unknown";
                    }
                    catch (JsonException)
                    {
                        message = line;
                    }
                    throw new LanguageModelException($"Ollama: {message}", transient: !message.Contains("not found", StringComparison.OrdinalIgnoreCase));
                }
            }
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
