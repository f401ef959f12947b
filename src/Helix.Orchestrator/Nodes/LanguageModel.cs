using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Helix.Orchestrator.Configuration;
using Helix.Workflows;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OllamaSharp.Models.Chat;
using OllamaSharp.Models.Exceptions;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;
using ChatRole = Microsoft.Extensions.AI.ChatRole;

namespace Helix.Orchestrator.Nodes;

/// <summary>What to ask the model.</summary>
internal sealed record LlmRequest
{
    /// <summary>The conversation: <c>("system", ...)</c>, <c>("user", ...)</c>, <c>("assistant", ...)</c>.</summary>
    public required IReadOnlyList<LlmMessage> Messages { get; init; }

    /// <summary>The model; <c>Ollama:Model</c> when unset.</summary>
    public string? Model { get; init; }

    public float? Temperature { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>A JSON schema the answer must follow (Ollama's structured output).</summary>
    public JsonElement? Schema { get; init; }
}

internal sealed record LlmMessage(string Role, string Text);

/// <summary>A model error, and whether trying again can help.</summary>
internal sealed class LanguageModelException : Exception, ITransientAware
{
    public LanguageModelException()
    {
    }

    public LanguageModelException(string message) : base(message)
    {
    }

    public LanguageModelException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public LanguageModelException(string message, bool transient, Exception? innerException = null) : base(message, innerException)
    {
        IsTransient = transient;
    }

    public bool IsTransient { get; }
}

/// <summary>
/// The <c>llm</c> node's service: Ollama through OllamaSharp as <see cref="IChatClient"/>, streamed
/// (so a long answer never trips a read timeout and an error line inside the stream is seen), with
/// structured output, <c>keep_alive</c> and model options; answers cached in Redis by a hash of
/// model, messages and options. Ollama's errors become retryable (busy, overloaded, a crashed
/// runner) or final (an unknown model, a bad request).
/// </summary>
internal sealed class LanguageModel
{
    private readonly IChatClient _chat;
    private readonly Cache _cache;
    private readonly OllamaOptions _options;

    public LanguageModel(IChatClient chat, Cache cache, IOptions<OllamaOptions> options)
    {
        _chat = chat;
        _cache = cache;
        _options = options.Value;
    }

    public async Task<string> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = request.Model ?? _options.Model;
        var key = CacheKey(model, request);
        if (_options.CacheFor > TimeSpan.Zero && await _cache.GetAsync(key).ConfigureAwait(false) is { } cached)
        {
            return cached;
        }
        var options = new ChatOptions
        {
            ModelId = model,
            Temperature = request.Temperature,
            MaxOutputTokens = request.MaxTokens,
            ResponseFormat = request.Schema is { } schema ? ChatResponseFormat.ForJsonSchema(schema) : null,
            // OllamaSharp builds its request from this one: the only way to pass keep_alive through IChatClient.
            RawRepresentationFactory = _ => new ChatRequest { KeepAlive = _options.KeepAlive },
        };
        var messages = request.Messages.Select(m => new ChatMessage(new ChatRole(m.Role), m.Text)).ToList();
        var answer = new StringBuilder();
        try
        {
            await foreach (var update in _chat.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                answer.Append(update.Text);
            }
        }
        catch (LanguageModelException)
        {
            throw; // an error line inside the stream (OllamaStreamErrors)
        }
        catch (HttpRequestException e)
        {
            throw new LanguageModelException($"Ollama answered {(int?)e.StatusCode}: {e.Message}", Transient(e.StatusCode), e);
        }
        catch (OllamaException e)
        {
            // An {"error": ...} line inside a 200 stream, or an error body: only a missing model is final.
            var missing = e.Message.Contains("not found", StringComparison.OrdinalIgnoreCase);
            throw new LanguageModelException($"Ollama: {e.Message}", transient: !missing, e);
        }
        var text = answer.ToString();
        if (_options.CacheFor > TimeSpan.Zero)
        {
            await _cache.SetAsync(key, text, _options.CacheFor).ConfigureAwait(false);
        }
        return text;
    }

    /// <summary>An answer in the shape of <typeparamref name="T"/>: its JSON schema goes to the model, the answer is read back as T.</summary>
    public async Task<T> CompleteAsync<T>(LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var schema = AIJsonUtilities.CreateJsonSchema(typeof(T), serializerOptions: Workflow.Json);
        var text = await CompleteAsync(request with { Schema = schema }, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<T>(text, Workflow.Json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            // A model that ignores the schema may do better on another try.
            throw new LanguageModelException($"the model's answer is not the requested JSON: {e.Message}", transient: true, e);
        }
    }

    private static bool Transient(HttpStatusCode? status) => status switch
    {
        HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => false,
        _ => true, // 503 queue full, 500 a runner that died, 502/504 on the way, no status: the network
    };

    private static string CacheKey(string model, LlmRequest request)
    {
        var identity = JsonSerializer.SerializeToUtf8Bytes(new CacheIdentity(model, request.Messages, request.Temperature, request.MaxTokens, request.Schema), Workflow.Json);
        return "llm:" + Convert.ToHexStringLower(SHA256.HashData(identity));
    }

    private sealed record CacheIdentity(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("messages")] IReadOnlyList<LlmMessage> Messages,
        [property: JsonPropertyName("temperature")] float? Temperature,
        [property: JsonPropertyName("maxTokens")] int? MaxTokens,
        [property: JsonPropertyName("schema")] JsonElement? Schema);
}
