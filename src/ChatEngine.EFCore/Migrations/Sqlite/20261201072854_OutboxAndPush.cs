using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatEngine.EntityFrameworkCore.Migrations.Sqlite
{
    /// <inheritdoc />
    internal partial class OutboxAndPush : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ChatEngineOutbox",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    DeliveryId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    Payload = table.Column<string>(type: "TEXT", nullable: false),
                    Body = table.Column<string>(type: "TEXT", nullable: true),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DueAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LeasedUntil = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LeaseToken = table.Column<Guid>(type: "TEXT", nullable: true),
                    DeliveredAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineOutbox", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ChatEnginePushSubscriptions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserId = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Endpoint = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    P256dh = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    Auth = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    DeviceId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEnginePushSubscriptions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineOutbox_DeliveryId",
                table: "ChatEngineOutbox",
                column: "DeliveryId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineOutbox_Kind_State_DueAt",
                table: "ChatEngineOutbox",
                columns: new[] { "Kind", "State", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineOutbox_Kind_Target",
                table: "ChatEngineOutbox",
                columns: new[] { "Kind", "Target" },
                filter: "\"State\" = 0");

            migrationBuilder.CreateIndex(
                name: "IX_ChatEnginePushSubscriptions_UserId_Endpoint",
                table: "ChatEnginePushSubscriptions",
                columns: new[] { "UserId", "Endpoint" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ChatEngineOutbox");

            migrationBuilder.DropTable(
                name: "ChatEnginePushSubscriptions");
        }
    }
}
