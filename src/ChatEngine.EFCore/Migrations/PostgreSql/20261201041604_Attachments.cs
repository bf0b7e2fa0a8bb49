using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatEngine.EntityFrameworkCore.Migrations.PostgreSql
{
    /// <inheritdoc />
    internal partial class Attachments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "AttachmentCount",
                table: "ChatEngineMessages",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "ChatEngineAttachments",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    ChatId = table.Column<long>(type: "bigint", nullable: false),
                    UploaderId = table.Column<long>(type: "bigint", nullable: false),
                    Name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    ContentType = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Size = table.Column<long>(type: "bigint", nullable: false),
                    UploadedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Width = table.Column<int>(type: "integer", nullable: true),
                    Height = table.Column<int>(type: "integer", nullable: true),
                    ThumbnailType = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    MessageId = table.Column<long>(type: "bigint", nullable: true),
                    Position = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ChatEngineAttachments", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineAttachments_ChatId",
                table: "ChatEngineAttachments",
                column: "ChatId");

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineAttachments_MessageId_Position",
                table: "ChatEngineAttachments",
                columns: new[] { "MessageId", "Position" });

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineAttachments_UploadedAt",
                table: "ChatEngineAttachments",
                column: "UploadedAt",
                filter: "\"MessageId\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_ChatEngineAttachments_UploaderId_MessageId",
                table: "ChatEngineAttachments",
                columns: new[] { "UploaderId", "MessageId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ChatEngineAttachments");

            migrationBuilder.DropColumn(
                name: "AttachmentCount",
                table: "ChatEngineMessages");
        }
    }
}
