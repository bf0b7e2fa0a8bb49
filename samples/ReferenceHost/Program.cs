var builder = WebApplication.CreateBuilder(args);
builder.Services.AddChatEngine().AddInMemoryStores();
builder.Services.AddHealthChecks();

var app = builder.Build();
app.MapHealthChecks("/health");
app.MapGet("/", () => "ChatEngine reference host: the chat API and pages arrive with the ASP.NET Core integration.");
app.Run();
