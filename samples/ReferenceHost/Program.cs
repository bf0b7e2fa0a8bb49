var builder = WebApplication.CreateBuilder(args);
builder.Services.AddChatEngine()
    .AddConfiguredDatabase(builder.Configuration, builder.Environment.ContentRootPath);
builder.Services.AddHealthChecks();

var app = builder.Build();
app.MapHealthChecks("/health");
app.MapGet("/", () => "ChatEngine reference host: the chat API and pages arrive with the ASP.NET Core integration.");
app.Run();
