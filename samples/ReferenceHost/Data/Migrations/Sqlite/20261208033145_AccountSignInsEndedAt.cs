using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReferenceHost.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AccountSignInsEndedAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "SignInsEndedAt",
                table: "AspNetUsers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_SignInsEndedAt",
                table: "AspNetUsers",
                column: "SignInsEndedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_SignInsEndedAt",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "SignInsEndedAt",
                table: "AspNetUsers");
        }
    }
}
