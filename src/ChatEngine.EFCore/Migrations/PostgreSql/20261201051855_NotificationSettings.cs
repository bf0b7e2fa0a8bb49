using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ChatEngine.EntityFrameworkCore.Migrations.PostgreSql
{
    /// <inheritdoc />
    internal partial class NotificationSettings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "MutedUntil",
                table: "ChatEngineMembers",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "NotifyLevel",
                table: "ChatEngineMembers",
                type: "integer",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "MutedUntil",
                table: "ChatEngineMembers");

            migrationBuilder.DropColumn(
                name: "NotifyLevel",
                table: "ChatEngineMembers");
        }
    }
}
